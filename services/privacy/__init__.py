"""Privacy as the law asks (个人信息保护法, 未成年人网络保护条例): the view log (`views`), consent
(`consent`, `consent_rules`), the key 身份证号 are encrypted with (`field_keys`) and the
retention period after which a record is anonymised (`retention`).

May import core, db, services.access and services.care.photos (for files); every other
capability may import this one to record what it discloses.
"""
