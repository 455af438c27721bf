"""Themes of survey comments: the lexicon (dbt seeds), the tagger, the warehouse task, the analysts' command.

Import ``service_quality.themes.tagger`` only where comments are tagged: it loads the Russian dictionaries.
"""
