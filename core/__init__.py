"""The shared language at the bottom of the tree: coded vocabularies (`vocab`), the message
catalogue in Chinese and English (`i18n`, `locales/`), errors a person can act on (`errors`),
field rules (`validators`) and Chinese typography (`typography`).

Imports nothing of ours, so every layer may import it: db/ (the models' enum columns), services/,
components/, pages/ and cli.py.
"""
