"""The Treatments tab's choice of condition: its classes are the ones the class filter lists."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from db.model import Condition


class ConditionChooser(QComboBox):
    """One entry per condition, in the editors' order; emits ``condition_chosen(slug)``."""

    condition_chosen = Signal(str)

    def __init__(self, conditions: tuple[Condition, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conditionChooser")
        self.setAccessibleName("Condition")
        self.setToolTip("Choose a condition; its classes are listed below")
        for condition in conditions:
            self.addItem(condition.name, condition.slug)
            if condition.description:
                self.setItemData(self.count() - 1, condition.description, Qt.ItemDataRole.ToolTipRole)
        self.currentIndexChanged.connect(lambda _index: self.condition_chosen.emit(self.current_slug()))

    def current_slug(self) -> str:
        return str(self.currentData() or "")

    def choose(self, slug: str) -> bool:
        """Show the condition ``slug`` (emitting ``condition_chosen`` if it changes); False if unknown."""
        index = self.findData(slug)
        if index < 0:
            return False
        self.setCurrentIndex(index)
        return True
