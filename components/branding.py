"""The app's own icon, served by the app itself (no request leaves for a font CDN)."""

from pathlib import Path

ICON = Path(__file__).resolve().parent.parent / "assets" / "icon.png"
