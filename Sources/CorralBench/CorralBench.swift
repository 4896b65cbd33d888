// `corral bench`: a load generator for ZooKeeper-protocol servers (in progress, issue 4).
