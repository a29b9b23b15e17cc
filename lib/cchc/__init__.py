"""cchc — the monthly administrative-reform (CCHC) scorecard.

Small modules, one job each; docs/architecture.md maps them and draws the
flow of a month: the data folder's sources (`sources`, `load`, `cache`, the
workbook's `xlsx`/`sheets`/`workbook`, the 766 export's `index766`, the
dossier records' `dossiers` and helpers), the pure review (`indicators`,
`rules`, `rule8`), the documents (`outcomes`, `narrative`, `tables`,
`charts`, `scorecard`, `docx_letter`, `unitpages`, `portal`), HTML and PDF
(`nbhtml`, `pdf`, `fonts`) and running (`run`, `batch`, `cli`).
"""

__version__ = "0.1.0"
