"""WTForms' own messages ("Not a valid choice.") speak the reader's language, also when
readers of different languages follow one another in the same process (the catalogues are
read once a process, ``portal.web.forms``)."""

from __future__ import annotations

from flask import Flask

from portal.web.forms import LanguageForm


def test_a_wrong_choice_is_named_in_the_readers_language(app: Flask) -> None:
    for _ in range(2):
        for language, expected in (("zh-CN", "不是有效的选择。"), ("en", "Not a valid choice.")):
            # a request's own app context, as in production: Flask-Babel keeps the locale there
            with (
                app.app_context(),
                app.test_request_context(
                    "/", method="POST", data={"locale": "xx"}, headers={"Accept-Language": language}
                ),
            ):
                form = LanguageForm(meta={"csrf": False})
                assert not form.validate()
                assert form.locale.errors == [expected]
