"""Privacy as the law asks (个人信息保护法, 未成年人网络保护条例): the view log (`views`), consent
(`consent`, `consent_rules`) and the key 身份证号 are encrypted with (`field_keys`).

May import core, db and services.access; every other capability may import this one to record
what it discloses.
"""
