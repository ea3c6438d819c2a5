"""Train page (not built yet): a short note instead of an error."""

from dashboard import ui

ui.coming_soon("train")
