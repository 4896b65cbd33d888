// Runs Apache ZooKeeper's own data-dir readers over files, in one JVM (a JVM per log file would
// take most of the crash test's time budget). Launched by crash.py as a single-file program:
//
//   java -cp <zookeeper jars> ApacheReaders.java OUTDIR log:<txn log> ... snap:<snapshot> ...
//
// For each argument it calls the tool's own main() exactly as its command line would:
//   log:<file>   org.apache.zookeeper.server.persistence.TxnLogToolkit -d <file>
//   snap:<file>  org.apache.zookeeper.server.SnapshotFormatter <file>
// with System.out/err captured to OUTDIR/<file name>.txt and the tool's exit requests
// (ServiceUtils.requestSystemExit) turned into a status instead of ending the JVM. One line per
// file on stdout:
//   RESULT <log|snap> <file> status=<exit N|exception ...> crc_errors=<n> exception_lines=<n> lines=<n> last=<last line>
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public class ApacheReaders {
    static final class ExitRequested extends RuntimeException {
        final int code;

        ExitRequested(int code) {
            super("exit " + code);
            this.code = code;
        }
    }

    public static void main(String[] args) throws Exception {
        org.apache.zookeeper.util.ServiceUtils.setSystemExitProcedure(code -> {
            throw new ExitRequested(code);
        });
        File outDir = new File(args[0]);
        outDir.mkdirs();
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        InputStream realIn = System.in;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            int colon = arg.indexOf(':');
            String kind = arg.substring(0, colon);
            String path = arg.substring(colon + 1);
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream cap = new PrintStream(buf, true, StandardCharsets.UTF_8);
            String status = "exit 0";
            System.setOut(cap);
            System.setErr(cap);
            // Dump mode never asks a question, but give it an empty stdin in case it would.
            System.setIn(new ByteArrayInputStream(new byte[0]));
            try {
                if (kind.equals("log")) {
                    org.apache.zookeeper.server.persistence.TxnLogToolkit.main(new String[] {"-d", path});
                } else {
                    org.apache.zookeeper.server.SnapshotFormatter.main(new String[] {path});
                }
            } catch (ExitRequested e) {
                status = "exit " + e.code;
            } catch (Throwable t) {
                status = "exception " + t.toString().replace('\n', ' ');
                t.printStackTrace(cap);
            } finally {
                cap.flush();
                System.setOut(realOut);
                System.setErr(realErr);
                System.setIn(realIn);
            }
            String text = buf.toString(StandardCharsets.UTF_8);
            String name = new File(path).getName();
            try (FileOutputStream f = new FileOutputStream(new File(outDir, name + ".txt"))) {
                f.write(buf.toByteArray());
            }
            int crcErrors = 0;
            int exceptionLines = 0;
            int lines = 0;
            String last = "";
            for (String line : text.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                lines++;
                if (line.contains("CRC ERROR")) {
                    crcErrors++;
                }
                if (line.contains("Exception")) {
                    exceptionLines++;
                }
                last = line;
            }
            if (last.length() > 200) {
                last = last.substring(0, 200);
            }
            realOut.println("RESULT " + kind + " " + path + " status=" + status.replace(' ', '_')
                    + " crc_errors=" + crcErrors + " exception_lines=" + exceptionLines + " lines=" + lines
                    + " last=" + last);
            realOut.flush();
        }
    }
}
