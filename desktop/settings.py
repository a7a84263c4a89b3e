"""The user's own settings (disclaimer acceptance, zoom, window layout), kept apart from the content.

An INI file under the platform's per-user config location (``QStandardPaths``, so
``XDG_CONFIG_HOME`` is honoured). A file Qt cannot read is moved aside and started afresh,
and :attr:`UserSettings.reset_reason` says so; nothing else the user has is touched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from db.userdata.recovery import move_aside

_VALID_LINE_STARTS = ("[", ";", "#")


def config_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation))


def data_dir() -> Path:
    """Where the bookmarks store lives: the *local* app data folder (on Windows, not the roaming one, which
    hospitals redirect to network shares). Elsewhere the two are the same folder."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation))


def roaming_data_dir() -> Path:
    """Where earlier versions kept the bookmarks store: moved to :func:`data_dir` at start-up (Windows)."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def _looks_broken(path: Path) -> str | None:
    """Why an INI file cannot be trusted, or None. Qt reads garbage silently, so look first."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    # Any other OSError (another user's file, a folder that cannot be entered) says nothing about the file's
    # contents: the caller reports it and leaves the file alone.
    if b"\0" in raw:
        return "it contains binary data"
    try:
        text = raw.decode("utf-8-sig")  # Notepad and PowerShell 5 write a byte-order mark; Qt reads it
    except UnicodeDecodeError:
        return "it is not text"
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith(_VALID_LINE_STARTS) and "=" not in stripped:
            return f"line {number} is not a setting"
    return None


class UserSettings:
    """Typed access to the per-user settings file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "settings.ini"
        self.reset_reason: str | None = None
        #: Why the settings cannot be read or kept (not damage: nothing is reset); None when they can.
        self.unusable: str | None = None
        try:
            problem = _looks_broken(self.path)
        except OSError as exc:
            problem = None
            self.unusable = (
                f"Your settings file {self.path} cannot be read ({exc.strerror or exc}); ClinRef starts with the "
                "default settings and leaves the file as it is."
            )
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)
        if problem is None and self._settings.status() != QSettings.Status.NoError:
            problem = "Qt could not parse it"
        if problem is not None:
            self._reset(problem)

    def _reset(self, problem: str) -> None:
        try:
            kept = move_aside(self.path, sidecars=())
            where = f"the damaged copy was kept as {kept[0]}" if kept else "nothing was left to keep"
        except OSError as exc:
            where = f"the damaged file could not be moved aside ({exc.strerror})"
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)
        self.reset_reason = (
            f"Your settings file {self.path} was damaged ({problem}) and has been reset to the "
            f"defaults; {where}. Your bookmarks and history were not affected."
        )

    def sync(self) -> bool:
        """Write the settings out; False (and :attr:`unusable` says why) when they could not be."""
        self._settings.sync()
        if self._settings.status() == QSettings.Status.AccessError:
            self.unusable = self.unusable or (
                f"Your settings could not be saved to {self.path}: the disclaimer will be asked for again at the "
                "next start, and zoom and layout are not kept. Check that you can write to that folder."
            )
            return False
        return True

    # -- disclaimer ----------------------------------------------------------------------

    def accepted_disclaimer_version(self) -> int:
        value = self._settings.value("disclaimer/version", 0)
        try:
            return int(str(value))
        except ValueError:
            return 0

    def accepted_disclaimer_at(self) -> str:
        return str(self._settings.value("disclaimer/accepted_at", ""))

    def accept_disclaimer(self, version: int) -> None:
        self._settings.setValue("disclaimer/version", version)
        self._settings.setValue("disclaimer/accepted_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        self._settings.sync()

    # -- view ----------------------------------------------------------------------------

    def zoom(self) -> int:
        try:
            return max(-5, min(10, int(str(self._settings.value("view/zoom", 0)))))
        except ValueError:
            return 0

    def set_zoom(self, steps: int) -> None:
        self._settings.setValue("view/zoom", steps)

    def layout(self, key: str) -> QByteArray | None:
        value = self._settings.value(f"window/{key}")
        return value if isinstance(value, QByteArray) else None

    def set_layout(self, key: str, state: QByteArray) -> None:
        self._settings.setValue(f"window/{key}", state)
