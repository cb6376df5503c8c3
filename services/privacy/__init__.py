"""Privacy as the law asks (个人信息保护法, 未成年人网络保护条例): the view log (`views`).

May import core, db and services.access; every other capability may import this one to record
what it discloses.
"""
