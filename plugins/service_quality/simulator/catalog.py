"""What the chain sells: SKUs with brand, category and price, and which categories each format carries."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

#: category -> (brands; "" = no brand, mean price in roubles, number of SKUs)
CATEGORIES: dict[str, tuple[tuple[str, ...], float, int]] = {
    "Смартфоны": (("Samsung", "Apple", "Xiaomi", "Huawei"), 32000, 40),
    "Ноутбуки": (("Lenovo", "Apple", "Huawei", "Asus"), 68000, 25),
    "Телевизоры": (("Samsung", "LG", "Sony", "Xiaomi"), 46000, 25),
    "Бытовая техника": (("Bosch", "Philips", "LG", "Samsung"), 14000, 40),
    "Аксессуары": (("Samsung", "Apple", "Xiaomi", "Baseus", ""), 1600, 60),
    "Услуги": (("",), 1300, 6),
    "Молочная продукция": (("Простоквашино", "Домик в деревне", "Савушкин"), 110, 30),
    "Хлеб и выпечка": (("", "Хлебный дом"), 65, 15),
    "Напитки": (("Черноголовка", "Добрый", "Coca-Cola", ""), 120, 30),
    "Бакалея": (("Barilla", "Макфа", "Heinz"), 150, 40),
    "Овощи и фрукты": (("",), 140, 30),
    "Бытовая химия": (("Fairy", "Persil", "Synergetic"), 360, 25),
    "Ремонт": (("Samsung", "Apple", "Xiaomi", "Bosch"), 4500, 20),
    "Диагностика": (("",), 900, 3),
    "Горячие блюда": (("",), 650, 20),
    "Салаты и закуски": (("",), 420, 15),
    "Десерты": (("",), 350, 10),
    "Проживание": (("",), 6500, 5),
    "Ресторан отеля": (("",), 900, 15),
}

_GROCERY = (
    ("Молочная продукция", 6),
    ("Хлеб и выпечка", 5),
    ("Напитки", 5),
    ("Бакалея", 5),
    ("Овощи и фрукты", 6),
    ("Бытовая химия", 2),
)
#: format -> (category, popularity)
FORMAT_CATEGORIES: dict[str, tuple[tuple[str, float], ...]] = {
    "electronics": (
        ("Смартфоны", 3),
        ("Ноутбуки", 1),
        ("Телевизоры", 1),
        ("Бытовая техника", 2),
        ("Аксессуары", 6),
        ("Услуги", 2),
    ),
    "hypermarket": (*_GROCERY, ("Бытовая техника", 0.6), ("Аксессуары", 0.8), ("Смартфоны", 0.2)),
    "supermarket": _GROCERY,
    "convenience": _GROCERY[:4],
    "service_center": (("Ремонт", 3), ("Диагностика", 3), ("Аксессуары", 2)),
    "restaurant": (("Горячие блюда", 5), ("Салаты и закуски", 3), ("Напитки", 5), ("Десерты", 2)),
    "hotel": (("Проживание", 3), ("Ресторан отеля", 3), ("Услуги", 1)),
}
#: formats whose customers buy several pieces of a line
MULTI_UNIT_FORMATS = frozenset({"hypermarket", "supermarket", "convenience", "restaurant"})


@dataclass(frozen=True)
class Product:
    sku: str
    brand: str
    category: str
    price_kop: int

    @property
    def price_text(self) -> str:
        return self._price_text

    def __post_init__(self) -> None:
        # formatted once: the sales loop writes it millions of times
        object.__setattr__(self, "_price_text", f"{self.price_kop // 100}.{self.price_kop % 100:02d}")


def _price(rng: random.Random, mean: float) -> int:
    """A shelf price in kopecks ending in .90 (or .00 above 1,000 roubles)."""
    rub = max(19.0, mean * math.exp(rng.gauss(0.0, 0.45)))
    if rub >= 1000:
        return int(round(rub / 10.0)) * 1000
    return int(rub) * 100 + 90


def build_catalog(seed: int) -> dict[str, tuple[Product, ...]]:
    """Per format, a pick list of products (repeated by popularity, so a uniform pick is weighted)."""
    rng = random.Random(f"{seed}|catalog")
    products: dict[str, list[Product]] = {}
    for c_index, (category, (brands, mean, n)) in enumerate(CATEGORIES.items(), start=1):
        products[category] = [
            Product(f"SKU{c_index:02d}{k:04d}", brands[k % len(brands)], category, _price(rng, mean))
            for k in range(1, n + 1)
        ]
    picks: dict[str, tuple[Product, ...]] = {}
    for fmt, categories in FORMAT_CATEGORIES.items():
        pick: list[Product] = []
        for category, popularity in categories:
            items = products[category]
            copies = max(1, int(round(popularity * 40 / len(items))))
            for product in items:
                pick.extend([product] * copies)
        picks[fmt] = tuple(pick)
    return picks
