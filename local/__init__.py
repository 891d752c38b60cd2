"""The reference system on one machine: moto_server for AWS, the apps as local processes, all on loopback."""
