from tests.app.conftest import logged_in, new_app

def test_dbg(world, engine):
    at = logged_in("coordinator", "刘主任")
    print("RUN2")
    at.run()
    print("RUN2 done", at.exception, [type(x).__name__ for x in at.main][:5])
    at2 = new_app().run()
    print("NEW1"); at2.run(); print("NEW2")
