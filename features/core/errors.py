"""Domain errors shared by every layer.

`InputError` means the user's input or settings are wrong (a missing file or column, an unreadable encoding, a misspelt
settings key). The CLI maps it to exit code 2 and prints its message as one line, so the message must name the file, column
or key and the problem. Anything else that escapes is unexpected (exit 1)."""


class InputError(Exception):
    """The input data or the settings are wrong in a way the user must fix; the message is one line."""


class SettingsError(InputError):
    """A settings file or a settings value is wrong (unknown key, wrong type, bad value)."""
