"""sink_audit.py - the closing count: no message from any trick (or sent
while relaylock was down) in the outside or the hosted sink.
"""

import time


def final_count(s):
    s.settle()
    time.sleep(0.3)
    msgs = s.outside.messages()
    from_tricks = [m for m in msgs
                   if any(t in m['text'] for t in s.tokens_trick)]
    unexpected = [m for m in msgs
                  if not any(t in m['text'] for t in s.expected_outside)]
    in_hosted = [m for m in s.hosted_sink.messages()
                 if any(t in m['text'] for t in s.tokens_trick)]
    s.check('hosted sink: no message from any trick either',
            not in_hosted, '%d found' % len(in_hosted))
    s.stats['outside_from_tricks'] = len(from_tricks)
    s.stats['outside_total'] = len(msgs)
    s.check('outside sink: no message from any trick or while down',
            not from_tricks and not unexpected,
            '%d from tricks, %d unexpected, %d total (expected %d)'
            % (len(from_tricks), len(unexpected), len(msgs),
               len(s.expected_outside)))
