"""mta_base.py - what the Postfix and Sendmail wrappers share.
"""

from procs import tail, wait_until


class Mta:
    """What both MTAs share: queue_size(), flush() and logfile come from
    the subclass."""

    def wait_queue_empty(self, timeout=20):
        def empty():
            return self.queue_size() == 0
        if wait_until(empty, 2, 0.05):
            return True
        self.flush()
        return wait_until(empty, timeout, 0.1)

    def log_text(self):
        return tail(self.logfile, 100000)
