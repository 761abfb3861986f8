"""The admin API under /admin/v1/, one module per resource.

`sessions` opens an admin session (admin key plus a one-time TOTP code, checked
by the `gate`); every other call carries that session's token. `accounts`,
`market` (halts and manual prices), `journal` (snapshots and the hash chain)
and `audit` hold the routes of their resource.
"""
