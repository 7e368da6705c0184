"""What a browser would submit for a form on a page, read from the page's HTML."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.disabled = 0
        self.fields: list[tuple[str, str]] = []
        self._textarea: list | None = None
        self._select: dict | None = None
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "fieldset" and "disabled" in attrs:
            self.disabled += 1
        if self.disabled or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if attrs.get("type") in (
                "checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "text": "",
                            "selected": "selected" in attrs}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "fieldset" and self.disabled:
            self.disabled -= 1
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # The HTML parser drops one newline right after <textarea>.
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            option = self._option
            value = option["value"] if option["value"] is not None else option["text"]
            if self._select["first"] is None:
                self._select["first"] = value
            if option["selected"]:
                self._select["chosen"] = value
            self._option = None
        elif tag == "select" and self._select is not None:
            select = self._select
            chosen = select["chosen"] if select["chosen"] is not None else select["first"]
            if chosen is not None:
                self.fields.append((select["name"], chosen))
            self._select = None


def browser_form(html: str, form_id: str) -> dict[str, str]:
    parser = _Form(form_id)
    parser.feed(html)
    return dict(parser.fields)
