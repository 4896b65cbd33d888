// Reads a snapshot file exactly as Apache ZooKeeper 3.8's FileSnap.deserialize does (FileHeader,
// SerializeUtils.deserializeSnapshot, the Adler32 seal, then the optional ZxidDigest and its seal)
// and prints a canonical, sorted dump of what Apache loaded. Exits non-zero (message on stderr) if
// Apache rejects the file. Used by the snapshot tests (run with java's source launcher) and by
// make_snapshot_fixture.py. Usage:
//     java -cp "<zookeeper jars>" SnapshotCheck.java snapshot.<zxid>
//
// Dump lines (every list sorted):
//     header magic=0x5a4b534e version=2 dbid=-1
//     session 0x<id> timeout=<ms>
//     aclIndex <largest id read>
//     acl <id> refs=<nodes using it> [<perms> <scheme>:<id>, ...]
//     node <path> acl=<id> czxid=.. mzxid=.. ctime=.. mtime=.. version=.. cversion=.. aversion=..
//          ephemeralOwner=.. pzxid=.. data=<hex|null> children=<a,b,...>      (one line)
//     ephemeral 0x<session> <path>   /   container <path>   /   ttl <path>
//     digest zxid=0x.. version=.. value=..   (or "digest none" when the file has no digest section)
//     treeDigest <DataTree.getTreeDigest()>
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CheckedInputStream;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.InputArchive;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.StatPersisted;
import org.apache.zookeeper.server.DataNode;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.persistence.FileHeader;
import org.apache.zookeeper.server.persistence.FileSnap;
import org.apache.zookeeper.server.persistence.SnapStream;
import org.apache.zookeeper.server.util.SerializeUtils;

public class SnapshotCheck {
    static Object field(Object o, String name) throws Exception {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    static String hex(byte[] b) {
        if (b == null) return "null";
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    static String acls(List<ACL> list) {
        List<String> out = new ArrayList<>();
        for (ACL a : list) out.add(a.getPerms() + " " + a.getId().getScheme() + ":" + a.getId().getId());
        return "[" + String.join(", ", out) + "]";
    }

    static void walk(DataTree dt, String path, List<String> out) throws Exception {
        DataNode n = dt.getNode(path);
        StatPersisted s = n.stat;
        TreeSet<String> children = new TreeSet<>(n.getChildren());
        out.add(String.format("node %s acl=%d czxid=%d mzxid=%d ctime=%d mtime=%d version=%d cversion=%d aversion=%d "
                + "ephemeralOwner=%d pzxid=%d data=%s children=%s",
                path, (Long) field(n, "acl"), s.getCzxid(), s.getMzxid(), s.getCtime(), s.getMtime(), s.getVersion(),
                s.getCversion(), s.getAversion(), s.getEphemeralOwner(), s.getPzxid(), hex((byte[]) field(n, "data")),
                String.join(",", children)));
        for (String c : children) walk(dt, path.equals("/") ? "/" + c : path + "/" + c, out);
    }

    // SnapStream.checkSealIntegrity (not public in 3.8): the Adler32 of every byte read so far, then
    // the stored value and the path "/".
    static void checkSeal(CheckedInputStream is, InputArchive ia) throws IOException {
        long checkSum = is.getChecksum().getValue();
        long val = ia.readLong("val");
        String path = ia.readString("path");
        if (val != checkSum) throw new IOException("CRC corruption");
        if (!"/".equals(path)) throw new IOException("seal path is " + path);
    }

    public static void main(String[] args) throws Exception {
        File file = new File(args[0]);
        List<String> out = new ArrayList<>();
        DataTree dt = new DataTree();
        Map<Long, Integer> sessions = new HashMap<>();
        try (CheckedInputStream is = SnapStream.getInputStream(file)) {
            InputArchive ia = BinaryInputArchive.getArchive(is);
            FileHeader header = new FileHeader();
            header.deserialize(ia, "fileheader");
            if (header.getMagic() != FileSnap.SNAP_MAGIC) throw new IOException("mismatching magic " + header.getMagic());
            out.add(String.format("header magic=0x%x version=%d dbid=%d", header.getMagic(), header.getVersion(), header.getDbid()));
            SerializeUtils.deserializeSnapshot(dt, ia, sessions);
            checkSeal(is, ia);
            String digest = "digest none";
            try {
                long zxid = ia.readLong("zxid");
                int version = ia.readInt("digestVersion");
                long value = version < 2 ? Long.parseLong(ia.readString("digest"), 16) : ia.readLong("digest");
                checkSeal(is, ia);
                digest = String.format("digest zxid=0x%x version=%d value=%d", zxid, version, value);
            } catch (EOFException e) {
                // no digest section: a snapshot from before 3.6 or with zookeeper.digest.enabled=false
            }
            out.add(digest);
            int extra = 0;
            while (is.read() != -1) extra++;
            if (extra != 0) out.add("trailing " + extra + " bytes");
        }
        for (Map.Entry<Long, Integer> e : new TreeMap<>(sessions).entrySet()) {
            out.add(String.format("session 0x%x timeout=%d", e.getKey(), e.getValue()));
        }
        Object cache = field(dt, "aclCache");
        out.add("aclIndex " + field(cache, "aclIndex"));
        @SuppressWarnings("unchecked")
        Map<Long, List<ACL>> byId = new TreeMap<>((Map<Long, List<ACL>>) field(cache, "longKeyMap"));
        @SuppressWarnings("unchecked")
        Map<Long, ? extends Number> refs = (Map<Long, ? extends Number>) field(cache, "referenceCounter");
        for (Map.Entry<Long, List<ACL>> e : byId.entrySet()) {
            Number r = refs.get(e.getKey());
            out.add(String.format("acl %d refs=%d %s", e.getKey(), r == null ? 0 : r.longValue(), acls(e.getValue())));
        }
        walk(dt, "/", out);
        for (long sid : new TreeSet<>(dt.getSessions())) {
            for (String p : new TreeSet<>(dt.getEphemerals(sid))) out.add(String.format("ephemeral 0x%x %s", sid, p));
        }
        for (String p : new TreeSet<>(dt.getContainers())) out.add("container " + p);
        for (String p : new TreeSet<>(dt.getTtls())) out.add("ttl " + p);
        out.add("treeDigest " + dt.getTreeDigest());
        for (String line : out) System.out.println(line);
    }
}
