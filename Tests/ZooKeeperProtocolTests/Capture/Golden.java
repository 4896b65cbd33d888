// Drives Apache's Java client (ZooKeeper 3.8) through the API calls ZooKeeperMain cannot make:
// create2 / createTTL / createContainer, multi (ok and failing), multiRead, getChildren2,
// checkWatches / removeWatches, reconnects that replay auth + setWatches / setWatches2,
// error replies, readOnly-capable connect, auth failure and reconfig.
//
// Usage: java -cp <zookeeper jars>:. Golden 127.0.0.1:PORT
// Prints "DROP" when the driver (capture.py) should cut every proxied connection; waits for the
// reconnect itself.
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;
import org.apache.zookeeper.*;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.*;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

public class Golden {
    static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static void log(String s) { System.out.println("# " + s); System.out.flush(); }

    static final class Conn implements Watcher {
        final Semaphore connected = new Semaphore(0);
        final BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
        volatile Event.KeeperState last;
        public void process(WatchedEvent e) {
            if (e.getType() == Event.EventType.None) {
                last = e.getState();
                if (e.getState() == Event.KeeperState.SyncConnected) connected.release();
            } else {
                events.add(e);
            }
        }
        void awaitConnected() throws Exception {
            if (!connected.tryAcquire(30, TimeUnit.SECONDS)) throw new RuntimeException("no connect");
        }
        void awaitEvents(int n) throws Exception {
            for (int i = 0; i < n; i++) {
                WatchedEvent e = events.poll(10, TimeUnit.SECONDS);
                log("event " + e);
            }
        }
    }

    interface Call { Object run() throws Exception; }

    static void expectError(String what, Call c) {
        try {
            Object r = c.run();
            log(what + " unexpectedly ok: " + r);
        } catch (KeeperException e) {
            log(what + " -> " + e.code() + (e.getResults() != null ? " results " + describe(e.getResults()) : ""));
        } catch (Exception e) {
            log(what + " -> " + e);
        }
    }

    static String describe(List<OpResult> rs) {
        StringBuilder sb = new StringBuilder("[");
        for (OpResult r : rs) {
            if (r instanceof OpResult.ErrorResult) sb.append("err ").append(((OpResult.ErrorResult) r).getErr());
            else sb.append(r.getClass().getSimpleName());
            sb.append(", ");
        }
        return sb.append("]").toString();
    }

    static void drop(Conn w) throws Exception {
        System.out.println("DROP");
        System.out.flush();
        w.awaitConnected();
        Thread.sleep(300);
    }

    public static void main(String[] args) throws Exception {
        String hosts = args[0];
        Conn w = new Conn();
        ZooKeeper zk = new ZooKeeper(hosts, 4000, w);
        w.awaitConnected();
        Stat st = new Stat();

        // creates of every flavour
        zk.create("/j", b("root"), OPEN, CreateMode.PERSISTENT);
        zk.create("/j/c2", b("two"), OPEN, CreateMode.PERSISTENT, st);
        zk.create("/j/ttl", b("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL, st, 60000);
        zk.create("/j/ttlseq-", b("t"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, st, 60000);
        zk.create("/j/cont", b("c"), OPEN, CreateMode.CONTAINER);
        zk.create("/j/cont/child", null, OPEN, CreateMode.PERSISTENT);
        zk.create("/j/eph", b("e"), OPEN, CreateMode.EPHEMERAL);
        zk.create("/j/ephseq-", b(""), OPEN, CreateMode.EPHEMERAL_SEQUENTIAL, st);
        zk.create("/j/seq-", b("s"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL);

        // reads
        zk.getChildren("/j", false, st);                     // getChildren2
        zk.getChildren("/j", false);                         // getChildren
        zk.getData("/j/c2", false, st);
        zk.exists("/j/c2", false);
        zk.getEphemerals("/j");
        zk.getAllChildrenNumber("/j");
        zk.whoAmI();
        zk.getConfig(false, st);
        final CountDownLatch synced = new CountDownLatch(1);
        zk.sync("/j", (rc, path, ctx) -> synced.countDown(), null);
        synced.await();

        // error replies
        expectError("getData missing", () -> zk.getData("/j/missing", false, null));
        expectError("create exists", () -> zk.create("/j/c2", b("x"), OPEN, CreateMode.PERSISTENT));
        expectError("setData badversion", () -> zk.setData("/j/c2", b("x"), 42));
        expectError("delete notempty", () -> { zk.delete("/j", -1); return null; });
        expectError("create under ephemeral", () -> zk.create("/j/eph/x", b("x"), OPEN, CreateMode.PERSISTENT));
        expectError("create invalid acl", () -> zk.create("/j/badacl", b("x"), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
        expectError("create no parent", () -> zk.create("/j/nope/x", b("x"), OPEN, CreateMode.PERSISTENT));

        // multi: success with every write op, including container and TTL creates
        List<OpResult> rs = zk.multi(Arrays.asList(
            Op.create("/j/m1", b("m1"), OPEN, CreateMode.PERSISTENT),
            Op.create("/j/mseq-", b("ms"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL),
            Op.create("/j/mcont", b("mc"), OPEN, CreateMode.CONTAINER),
            Op.create("/j/mttl", b("mt"), OPEN, CreateMode.PERSISTENT_WITH_TTL, 60000),
            Op.setData("/j/m1", b("m1b"), -1),
            Op.check("/j/m1", 1),
            Op.delete("/j/m1", -1)));
        log("multi ok " + describe(rs));
        rs = zk.transaction().create("/j/tx", b("tx"), OPEN, CreateMode.EPHEMERAL).setData("/j/tx", null, 0).commit();
        log("transaction ok " + describe(rs));
        // multi whose 2nd of 3 ops fails (NONODE)
        expectError("multi 2nd of 3 fails", () -> zk.multi(Arrays.asList(
            Op.create("/j/f1", b("f"), OPEN, CreateMode.PERSISTENT),
            Op.delete("/j/nonexistent", -1),
            Op.setData("/j/c2", b("f"), -1))));
        // multi whose check fails (BADVERSION) in the middle of 4
        expectError("multi check fails", () -> zk.multi(Arrays.asList(
            Op.setData("/j/c2", b("g"), -1),
            Op.check("/j/c2", 99),
            Op.create("/j/g", b("g"), OPEN, CreateMode.PERSISTENT),
            Op.delete("/j/seq-0000000008", -1))));
        // multi whose first op fails (NODEEXISTS)
        expectError("multi 1st fails", () -> zk.multi(Arrays.asList(
            Op.create("/j/c2", b("f"), OPEN, CreateMode.PERSISTENT),
            Op.create("/j/h", b("h"), OPEN, CreateMode.PERSISTENT))));
        // multiRead: all ok, then one failing read (results continue after it)
        rs = zk.multi(Arrays.asList(Op.getChildren("/j"), Op.getData("/j/c2")));
        log("multiRead ok " + describe(rs));
        rs = zk.multi(Arrays.asList(Op.getData("/j/c2"), Op.getData("/j/missing"), Op.getChildren("/j/cont")));
        log("multiRead partial " + describe(rs));

        // ACLs with digest
        String digest = DigestAuthenticationProvider.generateDigest("golden:secret");
        List<ACL> dacl = Arrays.asList(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest)),
                                       new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")));
        zk.create("/j/acl", b("a"), OPEN, CreateMode.PERSISTENT);
        zk.setACL("/j/acl", dacl, -1);
        zk.getACL("/j/acl", st);                            // redacted: no ADMIN
        expectError("setData noauth", () -> zk.setData("/j/acl", b("x"), -1));
        expectError("setACL badversion", () -> zk.setACL("/j/acl", OPEN, 7));
        zk.addAuthInfo("digest", b("golden:secret"));
        zk.getACL("/j/acl", st);                            // full digest with ADMIN
        zk.create("/j/authacl", b("x"), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
        zk.getACL("/j/authacl", st);

        // watches, then a reconnect that replays auth and SetWatches (opcode 101)
        zk.getData("/j/c2", true, st);
        zk.exists("/j/missing", true);
        zk.getChildren("/j/cont", true);
        drop(w);
        zk.setData("/j/c2", b("changed"), -1);           // NodeDataChanged
        zk.create("/j/missing", b("now"), OPEN, CreateMode.PERSISTENT);   // NodeCreated
        zk.create("/j/cont/child2", b(""), OPEN, CreateMode.PERSISTENT);  // NodeChildrenChanged
        w.awaitEvents(3);

        // persistent watches, then a reconnect with SetWatches2 (opcode 105)
        zk.addWatch("/j/c2", AddWatchMode.PERSISTENT);
        zk.addWatch("/j", AddWatchMode.PERSISTENT_RECURSIVE);
        zk.exists("/j/later", true);
        drop(w);
        zk.setData("/j/c2", b("again"), -1);
        zk.delete("/j/missing", -1);
        zk.create("/j/later", null, OPEN, CreateMode.PERSISTENT);
        w.awaitEvents(6);
        zk.removeAllWatches("/j/c2", Watcher.WatcherType.Any, false);     // removeWatches (18)
        Watcher specific = e -> log("specific " + e);
        zk.getData("/j/later", specific, st);
        zk.removeWatches("/j/later", specific, Watcher.WatcherType.Data, false);  // checkWatches (17)
        zk.exists("/j/later", specific);
        expectError("removeWatches wrong type", () -> { zk.removeWatches("/j/later", specific, Watcher.WatcherType.Children, false); return null; });
        expectError("removeAllWatches none (server)", () -> { zk.removeAllWatches("/j/cont", Watcher.WatcherType.Data, false); return null; });

        // idle long enough to see pings (timeout 4000 -> ping after ~1.3 s idle)
        Thread.sleep(3000);

        // a second session that asks for read-only capability, and observes NOAUTH
        Conn w2 = new Conn();
        ZooKeeper zk2 = new ZooKeeper(hosts, 6000, w2, true);
        w2.awaitConnected();
        expectError("noauth read", () -> zk2.getData("/j/authacl", false, null));
        zk2.getACL("/j/acl", st);
        zk2.close();

        // reconfig on a standalone server
        ZooKeeperAdmin admin = new ZooKeeperAdmin(hosts, 4000, e -> {});
        Thread.sleep(500);
        expectError("reconfig", () -> admin.reconfigure("server.9=127.0.0.1:1:2;3", null, null, -1, null));
        admin.close();

        // auth failure: unknown scheme -> AUTHFAILED and the server closes the connection
        Conn w3 = new Conn();
        ZooKeeper zk3 = new ZooKeeper(hosts, 4000, w3);
        w3.awaitConnected();
        zk3.addAuthInfo("nosuchscheme", b("x"));
        Thread.sleep(1000);
        log("after bad auth state " + w3.last);
        zk3.close();

        zk.close();
        log("done");
    }
}
