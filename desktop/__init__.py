"""ClinRef desktop application (Qt). Talks to the content only through :class:`db.Library`."""

#: The application's version; kept equal to pyproject.toml's (a test checks).
__version__ = "0.1.0"

#: The name Qt files the per-user settings and data under (QStandardPaths), and the window title.
APP_NAME = "ClinRef"
