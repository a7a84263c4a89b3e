"""Build-time only: reading and checking the content sources, rendering, and the deterministic build.

Needs sqlite-utils, Markdown and nh3; the running app never imports anything here.
"""
