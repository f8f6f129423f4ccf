"""The rules of the daily schedule, one module a rule, in the order a day runs them.

=====  =====================================  ==========================================
step   module                                 rule
=====  =====================================  ==========================================
1      :mod:`sim.rules.planning`              sellers plan posts, restock, pitch
1, 7   :mod:`sim.rules.supply`                stock bought upstream, level by level
1, 7   :mod:`sim.rules.recruitment`           pitches to friends; recruits join
2      :mod:`sim.rules.feed`                  feeds fill; attention is scarce
3      :mod:`sim.rules.reactions`             annoyance, lifestyle trust, intents
4      :mod:`sim.rules.relationships`         mutes, blocks, reports, churn
5      :mod:`sim.rules.orders`                payment, goods, trust, word of mouth
5      :mod:`sim.rules.pushes`                merchants' public-account pushes
6      :mod:`sim.rules.moderation`            reports in the window, bans
7      :mod:`sim.rules.money`                 fixed costs, quits, budgets
=====  =====================================  ==========================================

Each module reads as its paragraph of ``docs/ODD.md`` and declares the
parameter sections it reads (``PARAMS``), the state it reads and writes
(``READS``, ``WRITES``) and its random streams (``STREAMS``). Rules write
person and tie arrays only through :class:`sim.state.State`'s operations.
"""

MODULES = ("planning", "supply", "recruitment", "feed", "reactions", "relationships",
           "orders", "pushes", "moderation", "money")
