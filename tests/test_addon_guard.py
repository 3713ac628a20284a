"""addon/common/guard.py: a failing handler is recorded, logged and contained; a working one is untouched."""
import logging

from addon.common.guard import addon_logger, safe


class Ctl:
    def __init__(self, on_error_fails: bool = False):
        self.errors: list[str] = []
        self.log = logging.getLogger("test-guard")
        self.shown = 0
        self.on_error_fails = on_error_fails

    @safe("test", on_error=lambda self: self.show())
    def boom(self, x):
        return 10 // x

    def show(self):
        self.shown += 1
        if self.on_error_fails:
            raise RuntimeError("display broke too")


def test_safe_contains_records_and_reports(caplog):
    c = Ctl()
    assert c.boom(2) == 5 and c.errors == [] and c.shown == 0
    with caplog.at_level(logging.ERROR, logger="test-guard"):
        assert c.boom(0) is None
    assert c.errors == ["boom: ZeroDivisionError: integer division or modulo by zero"] and c.shown == 1
    assert "test: boom failed" in caplog.text and "ZeroDivisionError" in caplog.text
    broken = Ctl(on_error_fails=True)
    assert broken.boom(0) is None and len(broken.errors) == 1  # a failing error display is ignored


def test_addon_logger_prefers_anki_add_on_log():
    class Mgr:
        def get_logger(self, name):
            return logging.getLogger("anki-addon." + name)

    class Mw:
        addonManager = Mgr()

    assert addon_logger(Mw(), "x").name == "anki-addon.x"
    assert addon_logger(object(), "x").name == "x"
