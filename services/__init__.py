"""The application layer: what a signed-in user may do, checked where it is done.

Pages and the command line call these functions; each one checks the actor's role and region
(:mod:`auth.roles`), calls the store (the only owner of SQL) inside one transaction together with
its audit row, and returns plain results. Nothing here imports Streamlit.
"""
