-- E-mail of a user, to match a single sign-on (OIDC) account to its SIGAP role and scope.
ALTER TABLE users ADD COLUMN email VARCHAR;
CREATE UNIQUE INDEX users_email ON users (email);
