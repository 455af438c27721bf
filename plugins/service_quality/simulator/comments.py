"""Survey comments as customers write them, with the themes each one carries (the truth for the tagger).

A comment is built from clauses; each clause states one theme with one polarity (a detractor complains
about waiting, rude staff, missing stock, prices, dirt, the checkout, a refused return; a promoter praises
polite, helpful, knowledgeable staff and speed; a passive mixes both). Clauses use inflected forms and
negations ("консультант так и не подошёл", "not helpful at all"); then the comment is roughened: typos,
shouting, emoji, fillers. Some comments are short or carry no theme at all.

Each comment draws from its own random stream (seed + transaction), so the rest of a simulated day keeps
the values it had before comments were written this way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

NEGATIVE, POSITIVE = "negative", "positive"

# Store formats by the vocabulary their customers use.
DOMAIN = {
    "electronics": "retail",
    "hypermarket": "retail",
    "supermarket": "retail",
    "convenience": "retail",
    "service_center": "service",
    "restaurant": "restaurant",
    "hotel": "hotel",
}

# Who serves, per domain: (nominative, genitive, dative, instrumental) in Russian; English noun.
STAFF_RU = {
    "retail": (
        ("консультант", "консультанта", "консультанту", "консультантом"),
        ("продавец", "продавца", "продавцу", "продавцом"),
        ("сотрудник", "сотрудника", "сотруднику", "сотрудником"),
        ("кассир", "кассира", "кассиру", "кассиром"),
    ),
    "service": (
        ("мастер", "мастера", "мастеру", "мастером"),
        ("приёмщик", "приёмщика", "приёмщику", "приёмщиком"),
        ("менеджер", "менеджера", "менеджеру", "менеджером"),
    ),
    "restaurant": (
        ("официант", "официанта", "официанту", "официантом"),
        ("администратор", "администратора", "администратору", "администратором"),
    ),
    "hotel": (
        ("администратор", "администратора", "администратору", "администратором"),
        ("сотрудник ресепшена", "сотрудника ресепшена", "сотруднику ресепшена", "сотрудником ресепшена"),
    ),
}
STAFF_EN = {
    "retail": ("consultant", "sales assistant", "cashier", "staff member"),
    "service": ("technician", "manager", "receptionist"),
    "restaurant": ("waiter", "waitress", "host"),
    "hotel": ("receptionist", "front desk clerk", "staff member"),
}

# Clauses per (theme, polarity): {n} {g} {d} {i} are the staff noun's cases in Russian, {s} in English.
# Themes of every domain, then themes of one domain.
RU: dict[tuple[str, str], tuple[str, ...]] = {
    ("speed", NEGATIVE): (
        "долго ждал, пока обслужат",
        "пришлось ждать минут двадцать",
        "ждали почти полчаса",
        "огромная очередь",
        "очереди как всегда на полчаса",
        "стояли в очереди сорок минут",
        "обслуживали очень медленно",
        "ожидание слишком долгое",
        "всё очень долго",
        "долгое ожидание",
    ),
    ("speed", POSITIVE): (
        "обслужили быстро",
        "всё сделали быстро",
        "очень быстрое обслуживание",
        "оперативно всё оформили",
        "не пришлось ждать",
        "без очереди",
        "обслуживание быстрое и чёткое",
    ),
    ("politeness", NEGATIVE): (
        "{n} нагрубил",
        "{n} был груб",
        "{n} разговаривал грубо",
        "хамское отношение",
        "{n} хамил покупателям",
        "нам нахамили",
        "{n} невежливый",
        "{n} совсем не вежливый",
        "грубость персонала",
        "{n} разговаривал с раздражением",
    ),
    ("politeness", POSITIVE): (
        "очень вежливый {n}",
        "{n} вежлив и приветлив",
        "вежливые сотрудники",
        "приветливый персонал",
        "{n} очень доброжелательный",
        "{n} был вежлив",
        "спасибо {d} за вежливость",
        "{n} улыбчивый и приветливый",
        "дружелюбный персонал",
    ),
    ("helpfulness", NEGATIVE): (
        "никто не подошёл",
        "{n} так и не подошёл",
        "{n} не помог",
        "никто не помог",
        "{n} не захотел помочь",
        "{n} игнорировал нас",
        "на нас не обращали внимания",
        "{n} был занят телефоном и не подошёл",
        "так и не дождался помощи",
    ),
    ("helpfulness", POSITIVE): (
        "{n} помог выбрать",
        "{n} сразу подошёл",
        "спасибо {d} за помощь",
        "{n} очень помог",
        "{n} всё подсказал",
        "{n} внимательный",
        "внимательное отношение",
        "помогли разобраться",
        "{n} подсказал хороший вариант",
    ),
    ("competence", NEGATIVE): (
        "{n} не знает товар",
        "{n} не смог ответить на вопросы",
        "{n} ничего не знал о товаре",
        "некомпетентный {n}",
        "{n} не разбирается",
        "{n} не смог объяснить разницу",
        "{n} дал неверную консультацию",
    ),
    ("competence", POSITIVE): (
        "{n} отлично знает товар",
        "{n} ответил на все вопросы",
        "грамотный {n}",
        "компетентный {n}",
        "{n} хорошо разбирается",
        "{n} подробно объяснил",
        "профессиональная консультация",
        "{n} всё толково объяснил",
    ),
    ("stock", NEGATIVE): (
        "нужного товара не было в наличии",
        "половины товаров нет в наличии",
        "нужного размера не оказалось",
        "товар закончился",
        "полки пустые",
        "отсутствует половина ассортимента",
    ),
    ("price", NEGATIVE): (
        "цены очень высокие",
        "слишком дорого",
        "всё дорого",
        "цены завышены",
        "цена на кассе не совпала с ценником",
        "дороже, чем у конкурентов",
        "цены кусаются",
    ),
    ("price", POSITIVE): (
        "цены приятные",
        "недорого",
        "хорошая скидка",
        "цены ниже, чем у других",
    ),
    ("cleanliness", NEGATIVE): (
        "грязно",
        "грязный пол",
        "везде пыль",
        "в зале мусор",
        "неприятный запах",
        "грязь у входа",
        "столы грязные",
    ),
    ("cleanliness", POSITIVE): (
        "чисто и уютно",
        "везде чистота",
        "очень чисто",
    ),
    ("checkout", NEGATIVE): (
        "терминал не работал, оплатить картой не получилось",
        "оплата не прошла",
        "не приняли оплату картой",
        "неправильно пробили чек",
        "ошиблись со сдачей",
        "дважды списали деньги при оплате",
        "не выдали чек",
    ),
    ("checkout", POSITIVE): (
        "оплатил без проблем",
        "удобная оплата",
    ),
    ("returns", NEGATIVE): (
        "отказались принять возврат",
        "не приняли товар по гарантии",
        "с возвратом денег одни проблемы",
        "гарантийный ремонт не приняли",
        "обмен сделать отказались",
        "деньги за возврат до сих пор не вернули",
    ),
    ("returns", POSITIVE): (
        "возврат оформили без проблем",
        "по гарантии обменяли сразу",
    ),
}
RU_DOMAIN: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    "restaurant": {
        ("food", NEGATIVE): ("суп был холодный", "блюдо невкусное", "мясо пересолено", "еда остывшая"),
        ("food", POSITIVE): ("очень вкусно", "блюда вкусные", "вкусная кухня", "десерт восхитительный"),
    },
    "hotel": {
        ("room", NEGATIVE): ("в номере было холодно", "номер маленький и шумный", "в номере не работал душ"),
        ("room", POSITIVE): ("номер просторный и уютный", "удобная кровать", "номер тихий и тёплый"),
    },
    "service": {
        ("repair", NEGATIVE): ("после ремонта поломка повторилась", "починили плохо", "ремонт сделали некачественно"),
        ("repair", POSITIVE): ("починили качественно", "ремонт сделали на совесть", "всё отремонтировали отлично"),
    },
}
EN: dict[tuple[str, str], tuple[str, ...]] = {
    ("speed", NEGATIVE): (
        "had to wait too long",
        "waited for ages",
        "the queue was huge",
        "long queues again",
        "service was very slow",
        "we waited 30 minutes",
    ),
    ("speed", POSITIVE): ("quick service", "served quickly", "no waiting at all", "everything was fast"),
    ("politeness", NEGATIVE): (
        "the {s} was rude",
        "rude staff",
        "the {s} was really impolite",
        "unfriendly staff",
        "the {s} was not polite",
    ),
    ("politeness", POSITIVE): ("friendly staff", "the {s} was very polite", "polite and friendly {s}", "courteous {s}"),
    ("helpfulness", NEGATIVE): (
        "the {s} was not helpful at all",
        "nobody helped us",
        "the {s} ignored us",
        "no one came to help",
        "unhelpful {s}",
    ),
    ("helpfulness", POSITIVE): (
        "great help choosing",
        "the {s} was very helpful",
        "the {s} helped me a lot",
        "attentive {s}",
    ),
    ("competence", NEGATIVE): (
        "the {s} did not know the product",
        "the {s} could not answer simple questions",
        "incompetent {s}",
    ),
    ("competence", POSITIVE): (
        "the {s} knew the product well",
        "knowledgeable {s}",
        "the {s} explained everything clearly",
        "competent advice",
    ),
    ("stock", NEGATIVE): ("the item was out of stock", "half the shelves were empty", "my size was not available"),
    ("price", NEGATIVE): ("prices are too high", "way too expensive", "overpriced"),
    ("price", POSITIVE): ("good prices", "cheap and good", "nice discount"),
    ("cleanliness", NEGATIVE): ("the floor was dirty", "dirty tables", "it smelled bad"),
    ("cleanliness", POSITIVE): ("very clean", "clean and cosy"),
    ("checkout", NEGATIVE): ("the card terminal was broken", "payment failed twice", "they got the change wrong"),
    ("returns", NEGATIVE): (
        "they refused a refund",
        "they refused the warranty claim",
        "returning the item was a nightmare",
    ),
}
EN_DOMAIN: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    "restaurant": {
        ("food", NEGATIVE): ("the soup was cold", "the food was tasteless"),
        ("food", POSITIVE): ("delicious food", "the dishes were tasty"),
    },
    "hotel": {
        ("room", NEGATIVE): ("the room was noisy", "the shower in the room was broken"),
        ("room", POSITIVE): ("the room was spacious and cosy", "comfortable bed"),
    },
    "service": {
        ("repair", NEGATIVE): ("the repair did not last", "they fixed it badly"),
        ("repair", POSITIVE): ("the repair was done well", "fixed perfectly"),
    },
}

# Words around the themes that name none.
OPENERS_RU = ("Был сегодня у вас.", "Зашёл после работы.", "Покупал подарок.", "Что сказать.", "Ну такое.", "")
CLOSERS_RU = {
    POSITIVE: ("Спасибо!", "Приду ещё.", "Рекомендую.", ""),
    NEGATIVE: ("Больше не приду.", "Не рекомендую.", "Разочарован.", ""),
}
OPENERS_EN = ("Visited today.", "Stopped by after work.", "")
CLOSERS_EN = {POSITIVE: ("Thanks!", "Will come back.", ""), NEGATIVE: ("Never again.", "Disappointed.", "")}
SHORT_RU = ("ок", "норм", "нормально", "всё ок", "без комментариев", "спасибо", "-", "...", "👍", "5")
SHORT_EN = ("ok", "fine", "n/a", "thanks", "👍")
EMOJI_GOOD = ("👍", "😊", "🙂", "❤️", "!!!")
EMOJI_BAD = ("😡", "👎", "😤", "🤬", "!!!")
JOINERS_RU = (". ", ", ", " и ", "; ", ". А ещё ")
JOINERS_EN = (". ", ", ", " and ", "; ")
CONTRAST_RU = (", но ", ". Но ", ", зато ")
CONTRAST_EN = (", but ", ". But ")
CYRILLIC_NEIGHBOURS = "йцукенгшщзхфывапролджэячсмитьбю"
LATIN_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(frozen=True)
class Comment:
    """A comment and the theme mentions it carries, each (theme, polarity), in the order written."""

    text: str
    language: str
    mentions: tuple[tuple[str, str], ...]


def _clauses(language: str, domain: str) -> dict[tuple[str, str], tuple[str, ...]]:
    base, extra = (RU, RU_DOMAIN) if language == "ru" else (EN, EN_DOMAIN)
    clauses = dict(base)
    clauses.update(extra.get(domain, {}))
    if domain in ("restaurant", "hotel"):  # no stock nor returns there
        clauses = {k: v for k, v in clauses.items() if k[0] not in ("stock", "returns")}
    return clauses


def _fill(rng: random.Random, clause: str, language: str, domain: str) -> str:
    if language == "ru":
        n, g, d, i = rng.choice(STAFF_RU[domain])
        return clause.format(n=n, g=g, d=d, i=i)
    return clause.format(s=rng.choice(STAFF_EN[domain]))


def _typo(rng: random.Random, text: str, letters: str) -> str:
    """One slip of the finger in one longer word: a letter dropped, doubled, swapped or mistyped."""
    words = text.split(" ")
    long_words = [k for k, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text
    k = rng.choice(long_words)
    w = words[k]
    p = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:p] + w[p + 1 :]
    elif kind == 1:
        w = w[:p] + w[p] + w[p:]
    elif kind == 2:
        w = w[: p - 1] + w[p] + w[p - 1] + w[p + 1 :]
    else:
        w = w[:p] + rng.choice(letters) + w[p + 1 :]
    words[k] = w
    return " ".join(words)


def _polarities(rng: random.Random, nps: int | None) -> list[str]:
    """How many clauses and which way they lean: the score decides."""
    if nps is None:
        nps = rng.randint(0, 10)
    count = rng.choices((1, 2, 3), (45, 38, 17))[0]
    if nps <= 6:
        return [NEGATIVE if rng.random() < 0.93 else POSITIVE for _ in range(count)]
    if nps >= 9:
        return [POSITIVE if rng.random() < 0.93 else NEGATIVE for _ in range(count)]
    return [rng.choice((POSITIVE, NEGATIVE)) for _ in range(max(2, count))]


def make_comment(rng: random.Random, store_format: str, nps: int | None) -> Comment:
    """One customer's comment for a response scored ``nps`` (None when the survey had no NPS question)."""
    language = "en" if rng.random() < 0.12 else "ru"
    if rng.random() < 0.1:  # short or empty: nothing to tag
        text = rng.choice((*SHORT_RU, "") if language == "ru" else (*SHORT_EN, ""))
        return Comment(text, language if text else "", ())
    domain = DOMAIN.get(store_format, "retail")
    clauses = _clauses(language, domain)
    mentions: list[tuple[str, str]] = []
    parts: list[str] = []
    for polarity in _polarities(rng, nps):
        themes = sorted({t for t, p in clauses if p == polarity and t not in {m[0] for m in mentions}})
        if not themes:
            continue
        theme = rng.choice(themes)
        mentions.append((theme, polarity))
        parts.append(_fill(rng, rng.choice(clauses[(theme, polarity)]), language, domain))
    joiners = JOINERS_RU if language == "ru" else JOINERS_EN
    contrast = CONTRAST_RU if language == "ru" else CONTRAST_EN
    text = parts[0]
    for k in range(1, len(parts)):
        changes = mentions[k][1] != mentions[k - 1][1]
        text += rng.choice(contrast if changes else joiners) + parts[k]
    text = text[0].upper() + text[1:]
    openers, closers = (OPENERS_RU, CLOSERS_RU) if language == "ru" else (OPENERS_EN, CLOSERS_EN)
    if rng.random() < 0.3:
        text = f"{rng.choice(openers)} {text}".strip()
    leaning = NEGATIVE if sum(p == NEGATIVE for _, p in mentions) * 2 > len(mentions) else POSITIVE
    if rng.random() < 0.3:
        text = f"{text}. {rng.choice(closers[leaning])}".strip()
    if rng.random() < 0.15:
        text = _typo(rng, text, CYRILLIC_NEIGHBOURS if language == "ru" else LATIN_NEIGHBOURS)
    u = rng.random()
    if u < 0.06:
        text = text.upper()
    elif u < 0.2:
        text = text.lower()
    if rng.random() < 0.2:
        text = f"{text} {rng.choice(EMOJI_BAD if leaning == NEGATIVE else EMOJI_GOOD)}"
    return Comment(text, language, tuple(mentions))
