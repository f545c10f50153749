package org.gridledger.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

/**
 * Runs a real Neo4j server in this JVM with Bolt on 127.0.0.1 and authentication disabled, until
 * the process is terminated (SIGTERM shuts the database down cleanly).
 *
 * <p>Arguments: {@code <work dir> <bolt port> <http port>}. Prints {@code READY bolt://...} on
 * stdout once Bolt accepts connections.
 */
public final class Neo4jLauncher {
  private Neo4jLauncher() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: Neo4jLauncher <work dir> <bolt port> <http port>");
      System.exit(2);
    }
    Path workDir = Path.of(args[0]);
    int boltPort = Integer.parseInt(args[1]);
    int httpPort = Integer.parseInt(args[2]);
    Files.createDirectories(workDir);

    Neo4j neo4j =
        Neo4jBuilders.newInProcessBuilder(workDir)
            .withConfig(GraphDatabaseSettings.auth_enabled, false)
            .withConfig(BoltConnector.enabled, true)
            .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", boltPort))
            .withConfig(HttpConnector.enabled, true)
            .withConfig(HttpConnector.listen_address, new SocketAddress("127.0.0.1", httpPort))
            .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(512))
            .build();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  neo4j.close();
                  stopped.countDown();
                }));
    System.out.println("READY " + neo4j.boltURI());
    System.out.flush();
    stopped.await();
  }
}
