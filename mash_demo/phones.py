"""Telephone numbers: unique landlines for schools, direct lines and mobiles for staff and
callers, and the ways a telephone system writes them down."""

import numpy as np


def normalise(number: str) -> str:
    """Digits only, a leading 44 (from +44) becoming 0 (as ingestion does)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return "0" + digits[2:] if digits.startswith("44") else digits


def area_code(number: str) -> str:
    """The dialling code of a national-format landline ('024 76' for Coventry numbers)."""
    digits = normalise(number)
    if digits.startswith("024"):
        return "024 76"
    if digits[3] == "1":
        return digits[:4]
    return digits[:5]


class NumberBook:
    """Hands out numbers that no one else in the demo world has."""

    def __init__(self, rng: np.random.Generator, taken: set[str] = frozenset()):
        self.rng = rng
        self.taken = set(taken)

    def _claim(self, make) -> str:
        while True:
            number = make()
            key = normalise(number)
            if key not in self.taken:
                self.taken.add(key)
                return number

    def new_landline(self, area_code: str) -> str:
        """A landline in national format: '01926 410410', '024 7641 0410', '0121 496 0410'."""
        rng = self.rng

        def make() -> str:
            if area_code == "024 76":
                return f"024 76{rng.integers(10, 100)} {rng.integers(1000, 10000)}"
            if len(area_code) == 4:
                return f"{area_code} {rng.integers(200, 800)} {rng.integers(1000, 10000)}"
            return f"{area_code} {rng.integers(200000, 900000)}"

        return self._claim(make)

    def new_mobile(self) -> str:
        rng = self.rng
        return self._claim(lambda: f"07{rng.integers(400, 1000)} {rng.integers(100000, 1000000)}")


def write_as(number: str, style: str) -> str:
    """A number the way a telephone system might record it."""
    national = normalise(number)
    if style == "national":
        return national
    if style == "e164":
        return "+44" + national[1:]
    if style == "intl_spaced":
        return "+44 " + number.strip()[1:]
    if style == "spaced":
        return number
    raise ValueError(f"unknown number style {style!r}")
