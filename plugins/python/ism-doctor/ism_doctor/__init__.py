"""ism-doctor: the decision logic (`logic`) and one reconcile pass over a host port (`runner`)."""
