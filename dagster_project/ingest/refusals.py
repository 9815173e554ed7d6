"""The error raised when a landing file must be refused whole."""


class FileRefused(Exception):
    """A file that cannot be loaded at all; its message says what is wrong and what to do.

    Messages never quote the file's content: it may hold personal data.
    """
