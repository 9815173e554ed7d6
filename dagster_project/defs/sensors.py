"""Placeholder: the landing-folder sensor lands with the operations issue."""

sensors: list = []
