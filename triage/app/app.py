"""TriageApp: wiring only — settings, store, inbox watcher, ingest worker, themes, first screen."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import PurePath
from typing import Any, ClassVar, cast

from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Provider
from textual.dom import DOMNode
from textual.markup import escape
from textual.timer import Timer
from textual.worker import get_current_worker

from triage import theming
from triage.app.messages import CablesIngested, InboxChanged, IngestProgress
from triage.app.screens.queue import QueueScreen
from triage.app.widgets.queue_table import QueueTable
from triage.config import Settings, unknown_names
from triage.store import Store

INGEST_DEBOUNCE = 0.005
"""Seconds to gather a burst of inbox events into one ingest batch (events arriving while an
ingest runs wait for it anyway and form the next batch)."""

PROGRESS_SECONDS = 0.25
"""How often the start-up scan's progress is shown at most."""


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, while stderr is the real one.

    Ingest's worker-process pool starts it on first use, passing ``sys.stderr.fileno()`` to
    the child; inside a running Textual app stderr is a capture without a usable descriptor,
    the start fails and ingest falls back to parsing in this process (holding the GIL the UI
    needs). Starting it before the app runs avoids that.
    """
    try:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    except Exception:
        pass


class LockedStore:
    """The store for the app's threads: one call at a time (its in-memory view is shared).

    Every method of ``Store`` is reached through this proxy; the UI thread never calls it.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr
        lock = self._lock

        def locked(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return attr(*args, **kwargs)

        return locked


class BindingCommands(Provider):
    """The command palette offers every action of the current screen's bindings, and the
    screen's extra commands (the queue's saved views). Prompts are ``Text`` and help is
    escaped: the palette parses plain strings as markup."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        bindings = screen.active_bindings
        seen: set[tuple[int, str]] = set()
        out: list[tuple[str, str, Callable[[], Any]]] = []
        for active in bindings.values():
            binding, node = active.binding, active.node
            if not active.enabled or binding.system or (id(node), binding.action) in seen:
                continue
            seen.add((id(node), binding.action))
            keys = [
                k
                for k, b in bindings.items()
                if b.binding.action == binding.action and b.node is node
            ]
            help_text = f"{binding.tooltip or binding.description}  ({', '.join(keys)})"
            run = partial(self.app.run_action, binding.action, node)
            out.append((binding.description, help_text, run))
        extra = getattr(screen, "palette_commands", None)
        if callable(extra):
            out.extend(extra())
        return out

    async def discover(self) -> AsyncIterator[DiscoveryHit]:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(Text(name), run, help=escape(help_text))

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, Text(name), run, help=escape(help_text))


def _binding_owners() -> list[type[DOMNode]]:
    """Every class of the app's screens and widgets that declares bindings."""
    import importlib
    import pkgutil

    import triage.app.screens
    import triage.app.widgets

    for package in (triage.app.screens, triage.app.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")
    out: list[type[DOMNode]] = [TriageApp]
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("triage.app.") and "BINDINGS" in vars(cls):
            out.append(cls)
    return out


def unknown_binding_ids(keymap: dict[str, str]) -> list[str]:
    """One warning naming the ``[keys]`` entries that are no binding id, and the known ids."""
    if not keymap:
        return []
    known = {
        b.id
        for cls in _binding_owners()
        for bindings in cls._merge_bindings().key_to_bindings.values()
        for b in bindings
        if b.id
    }
    unknown = [name for name in keymap if name not in known]
    return unknown_names("[keys]", "binding id", unknown, sorted(known))


def keymap_clashes(keymap: dict[str, str], chain: list[type[DOMNode]]) -> list[str]:
    """Keys the keymap puts on a binding while another binding of the same screen (``chain``:
    the app, the screen, its widgets) keeps them: the user's mapping stands, but is reported."""
    if not keymap:
        return []
    bindings = [
        b for cls in chain for bs in cls._merge_bindings().key_to_bindings.values() for b in bs
    ]

    def keys(b: Binding) -> set[str]:
        value = keymap.get(b.id, b.key) if b.id else b.key
        return {k.strip() for k in value.split(",") if k.strip()}

    out: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for b in bindings:
        if not b.id or b.id not in keymap:
            continue
        for other in bindings:
            if other.id == b.id or other.action == b.action:
                continue
            for key in sorted(keys(b) & keys(other)):
                name = other.id or other.action
                if (key, *sorted((b.id, name))) in seen:
                    continue
                seen.add((key, *sorted((b.id, name))))  # type: ignore[arg-type]
                out.append(
                    f"{key} is bound to both {b.id} and {name} on the queue screen "
                    "(from [keys]); one of them will not run."
                )
    return out


class TriageApp(App[int]):
    """The terminal app on one inbox: the queue first, live."""

    TITLE = "triage"
    CSS_PATH: ClassVar[list[str | PurePath]] = ["triage.tcss", "views.tcss"]
    COMMANDS = App.COMMANDS | {BindingCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit triage"),
    ]

    def __init__(self, settings: Settings, *, watch: bool = True, scan: bool = True) -> None:
        """Build the app from explicit settings (never from the environment).

        Args:
            settings: Where things live, who is acting, theme, views and keymap.
            watch: Watch the inbox for deliveries (off in some tests).
            scan: Ingest the inbox once the queue is shown (off in some tests).
        """
        super().__init__()
        self.settings = settings
        self.store: Store | None = None
        """The shared store, opened by the queue's loading worker."""
        self.animation_level = "none"
        _start_resource_tracker()
        self.watcher: Any = None
        self._watch, self._scan = watch, scan
        self._pending: set[str] = set()
        self._debounce: Timer | None = None
        self._ingest_lock = threading.Lock()
        self._store_lock = threading.Lock()
        themes, failures = theming.load_themes(
            [settings.config_path.parent / "themes"] if settings.config_path else None
        )
        for theme in themes:
            self.register_theme(theme)
        name, warning = theming.resolve_theme_name(settings.theme, self.available_themes)
        self.theme = name
        self._startup_notes = [*failures, *([warning] if warning else [])]

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The app's own colour variables ($precedence-flash, ...), which themes may override."""
        return dict(theming.THEME_VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        if self._startup_notes:
            self.notify(
                "\n".join(self._startup_notes),
                title="Themes",
                severity="warning",
                markup=False,
                timeout=10,
            )
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.push_screen(QueueScreen())
        # After the first frame: finding unknown binding ids imports every screen (~20 ms).
        self.call_after_refresh(self._report_config)
        if self._watch:
            self.run_worker(self._start_watcher, thread=True, group="watch", exit_on_error=False)

    def _report_config(self) -> None:
        """Notify the config file's unknown keys, unknown ``[keys]`` ids and key clashes."""
        config_notes = [*self.settings.warnings, *unknown_binding_ids(self.settings.keymap)]
        if config_notes:
            self.notify(
                "\n".join(config_notes),
                title="Config",
                severity="warning",
                markup=False,
                timeout=10,
            )
        clashes = keymap_clashes(self.settings.keymap, [type(self), QueueScreen, QueueTable])
        if clashes:
            self.notify(
                "\n".join(clashes), title="Keys", severity="warning", markup=False, timeout=10
            )

    def on_unmount(self) -> None:
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            watcher.stop()

    def open_store(self) -> Store:
        """Open the shared store once (call in a thread: it may create or migrate the state)."""
        with self._store_lock:
            store = self.store
            if store is None:
                s = self.settings
                # The proxy stands in for the Store: it forwards every method under a lock.
                store = cast(Store, LockedStore(Store(s.db, s.user, os_user=s.os_user)))
                self.store = store
            return store

    def fail(self, message: str) -> None:
        """End the app with an error the user can act on (exit status 1)."""
        self.exit(1, message=message)

    @property
    def queue_screen(self) -> QueueScreen | None:
        """The queue screen, once pushed."""
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                return screen
        return None

    # --- the inbox: watcher thread -> InboxChanged -> debounce -> ingest worker ---------

    def _start_watcher(self) -> None:
        from triage.watcher import InboxWatcher

        def changed(path: Any) -> None:
            self.post_message(InboxChanged(str(path)))

        try:
            watcher = InboxWatcher(
                self.settings.inbox,
                changed,
                on_deleted=changed,
                polling=self.settings.polling,
                ignore=[self.settings.db],  # the state folder, when it lies inside the inbox
            )
            watcher.start()
        except Exception as exc:
            self.notify(
                f"Cannot watch the inbox {self.settings.inbox}: {exc}",
                severity="error",
                markup=False,
                timeout=15,
            )
            return
        if not self.is_running:
            watcher.stop()
            return
        self.watcher = watcher
        if watcher.fallback_reason:
            self.notify(
                f"Watching the inbox by polling ({watcher.fallback_reason}).",
                severity="warning",
                markup=False,
            )

    def on_inbox_changed(self, message: InboxChanged) -> None:
        self._pending.add(message.path)
        if self._debounce is None:
            self._debounce = self.set_timer(INGEST_DEBOUNCE, self._ingest_pending)

    def _ingest_pending(self) -> None:
        self._debounce = None
        paths, self._pending = sorted(self._pending), set()
        if paths:
            self.run_worker(
                partial(self._ingest, paths), thread=True, group="ingest", exit_on_error=False
            )

    def start_scan(self) -> None:
        """Ingest the whole inbox once (new, changed and removed files) after the first load."""
        screen = self.queue_screen
        if not self._scan:
            if screen is not None:
                screen.post_message(CablesIngested(None, initial=True))
            return
        self.run_worker(
            partial(self._ingest, None), thread=True, group="ingest", exit_on_error=False
        )

    @staticmethod
    def _progress_poster(screen: Any) -> Callable[[int, int], None]:
        """A progress callback for the start-up scan that posts ``IngestProgress`` to the
        screen, at most every ``PROGRESS_SECONDS`` (and for the last file)."""
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if done >= total or now - last >= PROGRESS_SECONDS:
                last = now
                screen.post_message(IngestProgress(done, total))

        return progress

    def _ingest(self, paths: list[str] | None) -> None:
        from triage import ingest

        screen, store = self.queue_screen, self.store
        if screen is None or store is None:
            return
        worker = get_current_worker()
        inbox = self.settings.inbox
        with self._ingest_lock:
            try:
                if paths is None:
                    report = ingest.ingest_inbox(
                        store,
                        inbox,
                        progress=self._progress_poster(screen),
                        cancelled=lambda: worker.is_cancelled,
                    )
                else:
                    report = ingest.ingest_files(
                        paths, store, inbox, cancelled=lambda: worker.is_cancelled
                    )
                screen.fetch_changes(initial=paths is None)
                rejects = len(store.rejects())
            except Exception as exc:
                self.notify(f"Ingest failed: {exc}", severity="error", markup=False)
                report, rejects = None, None
        screen.post_message(CablesIngested(report, initial=paths is None, rejects=rejects))
