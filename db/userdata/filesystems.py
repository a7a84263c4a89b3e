"""What kind of file system a folder is on, and whether its disk is full: what the user store must adapt to.

SQLite's WAL mode needs shared memory between every process using the file, which a network file system
does not give: hospitals redirect profile folders to network shares, where a WAL store can be corrupted.
On one, the store uses a rollback journal (``journal_mode=DELETE``) instead. Standard library only.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from pathlib import Path

#: Linux file-system types (``/proc/self/mountinfo``) on which SQLite's WAL is unsafe.
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "fuse.sshfs",
        "fuse.davfs2",
        "fuse.gvfsd-fuse",
        "fuse.rclone",
        "fuse.s3fs",
        "afpfs",
        "webdav",
    }
)

#: Below this many free bytes, a failed write is taken to be the disk being full.
FULL_BELOW_BYTES = 1024 * 1024

_MOUNTINFO = Path("/proc/self/mountinfo")
_DRIVE_REMOTE = 4  # GetDriveTypeW


def network_file_system(folder: Path, mountinfo: str | None = None) -> str | None:
    """The type of network file system ``folder`` is on (``"nfs4"``, ``"smbfs"``, ``"remote drive"``), else None.

    Linux reads ``/proc/self/mountinfo`` (``mountinfo`` replaces it in tests); macOS asks ``statfs``; Windows asks
    ``GetDriveTypeW`` (and takes a ``\\\\server\\share`` path as remote). None when it cannot be told.
    """
    folder = _existing(folder)
    if sys.platform == "win32":
        return _windows_remote(folder)
    if sys.platform == "darwin":
        kind = _macos_type(folder)
        return kind if kind in NETWORK_TYPES else None
    if mountinfo is None:
        try:
            mountinfo = _MOUNTINFO.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    kind = linux_type(folder, mountinfo)
    return kind if kind in NETWORK_TYPES else None


def linux_type(folder: Path, mountinfo: str) -> str | None:
    """The file-system type of the mount holding ``folder``, from the text of ``/proc/self/mountinfo``."""
    best: tuple[int, str] | None = None
    target = str(folder)
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        mount_point = _unescape(fields[4])
        kind = line.split(" - ", 1)[1].split()[0]
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and (best is None or len(mount_point) >= best[0]):
            best = (len(mount_point), kind)  # the last, longest mount point wins: it is the one on top
    return best[1] if best else None


def disk_is_full(folder: Path) -> bool:
    """True when the disk holding ``folder`` has (almost) no free space left; False when it cannot be told."""
    try:
        return shutil.disk_usage(_existing(folder)).free < FULL_BELOW_BYTES
    except OSError:
        return False


def _existing(folder: Path) -> Path:
    """``folder``, or its nearest ancestor that exists (the store's folder may not have been made yet)."""
    folder = Path(os.path.abspath(folder))
    while True:
        try:
            if folder.exists() or folder.parent == folder:
                return folder
        except OSError:
            return folder
        folder = folder.parent


def _unescape(field: str) -> str:
    # mountinfo writes space, tab, newline and backslash in paths as octal escapes.
    for escaped, plain in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escaped, plain)
    return field


def _windows_remote(folder: Path) -> str | None:  # pragma: no cover - Windows only
    text = str(folder)
    if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\")):
        return "network share"
    root = os.path.splitdrive(text)[0] + "\\"
    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return None
    return "remote drive" if windll.kernel32.GetDriveTypeW(root) == _DRIVE_REMOTE else None


class _StatFs(ctypes.Structure):  # pragma: no cover - macOS only: struct statfs (64-bit inodes)
    _fields_ = [
        ("f_bsize", ctypes.c_uint32),
        ("f_iosize", ctypes.c_int32),
        ("f_blocks", ctypes.c_uint64),
        ("f_bfree", ctypes.c_uint64),
        ("f_bavail", ctypes.c_uint64),
        ("f_files", ctypes.c_uint64),
        ("f_ffree", ctypes.c_uint64),
        ("f_fsid", ctypes.c_int32 * 2),
        ("f_owner", ctypes.c_uint32),
        ("f_type", ctypes.c_uint32),
        ("f_flags", ctypes.c_uint32),
        ("f_fssubtype", ctypes.c_uint32),
        ("f_fstypename", ctypes.c_char * 16),
        ("f_mntonname", ctypes.c_char * 1024),
        ("f_mntfromname", ctypes.c_char * 1024),
        ("f_flags_ext", ctypes.c_uint32),
        ("f_reserved", ctypes.c_uint32 * 7),
    ]


def _macos_type(folder: Path) -> str | None:  # pragma: no cover - macOS only
    try:
        libc = ctypes.CDLL("/usr/lib/libc.dylib", use_errno=True)
        statfs = libc["statfs$INODE64"]
    except (OSError, AttributeError):
        return None
    buffer = _StatFs()
    if statfs(os.fsencode(folder), ctypes.byref(buffer)) != 0:
        return None
    name: bytes = buffer.f_fstypename
    return name.decode("ascii", "replace")
