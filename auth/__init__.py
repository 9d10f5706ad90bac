"""Who a user is and what a role may do — pure rules, no storage: identity (``User``, ``Scope``),
roles and scope (:mod:`auth.roles`), passwords (argon2) and session limits."""
