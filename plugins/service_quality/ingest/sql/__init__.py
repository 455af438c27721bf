"""The SQL the loader runs, generated from the contract and the delivered layout (text only: nothing here
connects to a database).

* ``rules`` - a contract's row rules as SQL predicates (the routing and the GX suites both use them)
* ``routing`` - the set-based pass: valid rows into ``raw``, every broken rule into ``quarantine``
* ``scratch_tables`` - a scratch table for a file layout, and the COPY that streams a file into it
"""
