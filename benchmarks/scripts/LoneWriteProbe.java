// What flush consolidation does to a lone command: synchronous XADDs of ~200 B, one at a time (each the only
// command in flight), on a connection without and one with Netty's FlushConsolidationHandler(256, true) first in
// its pipeline, in interleaved blocks of 1,000; prints the round-trip percentiles of each. Not part of the build:
//   ./mvnw -q -o dependency:build-classpath -pl benchmarks -Dmdep.outputFile=/tmp/cp.txt
//   javac -cp "$(cat /tmp/cp.txt)" -d /tmp/probe benchmarks/scripts/LoneWriteProbe.java
//   java -cp "$(cat /tmp/cp.txt):/tmp/probe" LoneWriteProbe redis://127.0.0.1:6379
// It writes the streams probe:lone:1 and probe:lone:2 and deletes them at the end.
import io.lettuce.core.*;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.*;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.*;

public class LoneWriteProbe {
  public static void main(String[] a) throws Exception {
    String url = a[0];
    ClientResources plain = DefaultClientResources.create();
    ClientResources consolidating = DefaultClientResources.builder().nettyCustomizer(new NettyCustomizer() {
      public void afterChannelInitialized(Channel ch) { ch.pipeline().addFirst(new FlushConsolidationHandler(256, true)); }
    }).build();
    RedisClient c1 = RedisClient.create(plain, url), c2 = RedisClient.create(consolidating, url);
    RedisCommands<String,String> r1 = c1.connect().sync(), r2 = c2.connect().sync();
    Map<String,String> f = Map.of("payload", "x".repeat(190), "contentType", "application/json");
    long[][] t = new long[2][];
    List<Long> s1 = new ArrayList<>(), s2 = new ArrayList<>();
    for (int w = 0; w < 3000; w++) { r1.xadd("probe:lone:1", f); r2.xadd("probe:lone:2", f); }
    for (int block = 0; block < 20; block++) {
      for (int i = 0; i < 1000; i++) { long t0 = System.nanoTime(); r1.xadd("probe:lone:1", f); s1.add(System.nanoTime() - t0); }
      for (int i = 0; i < 1000; i++) { long t0 = System.nanoTime(); r2.xadd("probe:lone:2", f); s2.add(System.nanoTime() - t0); }
    }
    report("auto-flush, no consolidation", s1); report("FlushConsolidationHandler(256, true)", s2);
    r1.del("probe:lone:1", "probe:lone:2");
    c1.shutdown(); c2.shutdown(); plain.shutdown(); consolidating.shutdown();
  }
  static void report(String n, List<Long> s) {
    Collections.sort(s);
    System.out.printf("%s: n=%d p50 %.1f us, p90 %.1f us, p99 %.1f us, mean %.1f us%n", n, s.size(), s.get(s.size()/2)/1e3,
      s.get(s.size()*9/10)/1e3, s.get(s.size()*99/100)/1e3, s.stream().mapToLong(x->x).average().getAsDouble()/1e3);
  }
}
