"""Shared by the Python tests: a counter of checks that prints failures."""


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=None):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s" % what)
            if detail is not None:
                print("      %s" % (detail,))
        return ok
