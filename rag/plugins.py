"""Plug-ins: modules named in `settings.plugins` are imported once at start-up, so they can register generators.

Like simonw/llm's plug-ins, a plug-in hooks itself in (`rag.generate.register_generator`) and nothing that runs the
assistant imports it by name: a test's scripted model reaches a `rag mcp` subprocess this way.
"""

from __future__ import annotations

import importlib
import logging

from .settings import Settings

log = logging.getLogger(__name__)


class PluginError(RuntimeError):
    """A plug-in named in the settings could not be imported; the message names it."""


def load_plugins(settings: Settings) -> None:
    for name in settings.plugins:
        try:
            importlib.import_module(name)
        except ImportError as e:
            raise PluginError(f"plug-in '{name}' could not be imported ({e})") from e
        log.debug("loaded plug-in %s", name)
