"""Disputes (退单) settled from the lists: a unit's return of a case ruled by policy rules on the
snapshot of the event's date (:mod:`.desk`), and the 推诿 report over ruled cases (:mod:`.report`).
docs/disputes.md describes the file format, the rulings, the rules and the principles."""
