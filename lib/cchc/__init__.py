"""cchc — the monthly administrative-reform (CCHC) scorecard.

Modules, one job each:

- ``registry``   units.csv, name normalisation and matching
- ``config``     config.yml and the notebook parameters
- ``cells``      parsing of cell values: integers, booleans, dates
- ``load``       reading a data directory into tidy frames, with validation
- ``indicators`` rates, streaks, overdue and reporting figures (pure)
- ``rules``      the seven rules of the review (pure)
- ``outcomes``   the outcomes.json document
- ``fmt``        Vietnamese number and list formatting
- ``narrative``  the draft letter, from Jinja2 templates
- ``charts``     matplotlib figures
- ``export``     HTML (nbconvert) and PDF (WeasyPrint)
- ``run``        executing the notebook, atomic output
- ``cli``        ``python -m cchc …``
"""

__version__ = "0.1.0"
