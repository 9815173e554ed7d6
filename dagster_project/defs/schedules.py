"""Placeholder: the nightly schedule lands with the operations issue."""

schedules: list = []
