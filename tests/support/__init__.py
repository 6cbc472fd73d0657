"""What the tests share: the one scriptable HTTP archive server (:mod:`support.archive`)."""
