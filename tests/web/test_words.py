"""Every word of the pages exists in English, Persian and Turkish."""

from muniops.collector.web.i18n import WORDS


def test_every_word_has_three_languages() -> None:
    missing = [key for key, texts in WORDS.items() if len(texts) != 3 or not all(texts)]
    assert not missing
