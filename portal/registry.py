"""Entries registered by name with a decorator beside the code they name (job handlers,
document builders, calendar feed sources), whose modules load only when an entry is used."""

import importlib


class Registry:
    """Names and what was registered under them. ``provided_by`` names the module that
    registers an entry: the name is known at once (a worker claims jobs of every kind), and
    the module, with what it imports (WeasyPrint, pyHanko, the document layouts), loads when
    the entry is first looked up, so a process that never uses it never pays for it."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, object] = {}
        self._modules: dict[str, str] = {}

    def register(self, name: str, entry) -> None:
        self._entries[name] = entry

    def under(self, name: str):
        """A decorator that registers the function it decorates as ``name``."""
        def register(function):
            self.register(name, function)
            return function
        return register

    def provided_by(self, module: str, *names: str) -> None:
        for name in names:
            self._modules[name] = module

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._modules

    def __iter__(self):
        return iter(sorted(self._entries.keys() | self._modules.keys()))

    def is_loaded(self, name: str) -> bool:
        return name in self._entries

    def load(self, name: str) -> None:
        """Import the module that registers ``name``, unless it has been."""
        if name not in self._entries and name in self._modules:
            importlib.import_module(self._modules[name])
            if name not in self._entries:
                raise LookupError(f"{self._modules[name]} registers no {self.what} {name!r}")

    def __getitem__(self, name: str):
        self.load(name)
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"no {self.what} named {name!r}") from None

    def get(self, name: str, default=None):
        if name not in self:
            return default
        return self[name]
