"""WAYSCloud Databases: real PostgreSQL and MariaDB databases through the shared provisioning driver.

``records`` names and stores a customer's databases and shapes what the API shows of them;
``servers`` finds the server of each engine; ``snapshots`` makes real dumps, restores them and
runs the backup policies on the twin clock.
"""
