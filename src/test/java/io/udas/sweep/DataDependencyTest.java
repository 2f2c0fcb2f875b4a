package io.udas.sweep;

import io.udas.sweep.SweepSpec.Mode;
import io.udas.sweep.TrialResult.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The thesis' data-dependency table, from the thesis' own numbers. */
class DataDependencyTest {
    private static final String X = "data.labeled_target";
    private static final List<String> SIZES = List.of("2975", "1000", "500", "100", "0");
    // mIoU per size, as fractions (null: not run).
    private static final Double[] SL = {0.691, 0.612, 0.554, 0.416, null};
    private static final Double[] UDAS = {0.564, 0.519, 0.528, 0.492, 0.439};

    private final List<Trial> plan = new ArrayList<>();
    private final List<TrialResult> results = new ArrayList<>();

    private void add(String method, String size, Double score, Status status) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put(X, size);
        v.put("method", method);
        Trial t = new Trial(plan.size(), v, List.of(), "pipeline", "b.yaml");
        plan.add(t);
        results.add(new TrialResult(t.index(), v, score, status, null, 1.0, "trials/" + t.id(), null));
    }

    private DataDependency thesis() {
        for (int i = 0; i < SIZES.size(); i++) {
            if (SL[i] != null) {
                add("SL", SIZES.get(i), SL[i], Status.OK);
            }
        }
        for (int i = 0; i < SIZES.size(); i++) {
            add("UDAS", SIZES.get(i), UDAS[i], Status.OK);
        }
        return DataDependency.compute(X, "method", "max", plan, results, Mode.MAX);
    }

    @Test
    void absoluteScoresAndChangesAgainstTheFullLabelRun() {
        DataDependency dd = thesis();
        assertEquals(SIZES, dd.xs(), "largest subset first");
        assertEquals(List.of("SL", "UDAS"), dd.series());
        assertEquals("2975", dd.reference());
        assertEquals(0.612, dd.score("SL", "1000"), 1e-12);
        assertEquals(-0.079, dd.delta("SL", "1000"), 1e-9);
        assertEquals(-0.275, dd.delta("SL", "100"), 1e-9);
        assertNull(dd.score("SL", "0"), "SL without labels: not run");
        assertNull(dd.delta("SL", "0"));
        assertEquals(-0.045, dd.delta("UDAS", "1000"), 1e-9);
        assertEquals(-0.036, dd.delta("UDAS", "500"), 1e-9);
        assertEquals(-0.125, dd.delta("UDAS", "0"), 1e-9);
        assertNull(dd.delta("UDAS", "2975"), "the reference row has no change");

        String md = dd.markdown("Labeled target images", true);
        assertTrue(md.startsWith("| Labeled target images | SL mIoU | SL Δ | UDAS mIoU | UDAS Δ |\n"), md);
        assertTrue(md.contains("| 2975 | 69.1 | ref | 56.4 | ref |"), md);
        assertTrue(md.contains("| 1000 | 61.2 | -7.9 | 51.9 | -4.5 |"), md);
        assertTrue(md.contains("| 500 | 55.4 | -13.7 | 52.8 | -3.6 |"), md);
        assertTrue(md.contains("| 100 | 41.6 | -27.5 | 49.2 | -7.2 |"), md);
        assertTrue(md.contains("| 0 | – | – | 43.9 | -12.5 |"), md);
        String csv = dd.csv();
        assertTrue(csv.startsWith("data.labeled_target,SL_score,SL_delta,UDAS_score,UDAS_delta\n"), csv);
        assertTrue(csv.contains("\n1000,0.612000,-0.079000,0.519000,-0.045000\n"), csv);
    }

    @Test
    void failedRunsAreMissingCellsAndTheBestOfSeveralTrialsCounts() {
        add("UDAS", "2975", 0.50, Status.OK);
        add("UDAS", "2975", 0.56, Status.OK);     // e.g. two seeds: the best counts
        add("UDAS", "2975", null, Status.FAILED);
        add("UDAS", "100", null, Status.TIMEOUT);
        add("UDAS", "100.0", 0.40, Status.OK);    // 100 and 100.0 are the same row
        DataDependency dd = DataDependency.compute(X, "method", null, plan, results, Mode.MAX);
        assertEquals(List.of("2975", "100"), dd.xs());
        assertEquals(0.56, dd.score("UDAS", "2975"), 0);
        assertEquals(-0.16, dd.delta("UDAS", "100"), 1e-12);

        DataDependency against100 = DataDependency.compute(X, "method", "100", plan, results, Mode.MAX);
        assertEquals("100", against100.reference());
        assertEquals(0.16, against100.delta("UDAS", "2975"), 1e-12);
    }

    @Test
    void bestIsTheArgmaxOrArgminOfScoredTrials() {
        thesis();
        TrialResult best = SweepReport.best(results, Mode.MAX);
        assertEquals(0.691, best.score(), 0);
        assertEquals("SL", best.params().get("method"));
        assertEquals(0.416, SweepReport.best(results, Mode.MIN).score(), 0);
        List<TrialResult> ranked = SweepReport.ranked(results, Mode.MAX);
        assertEquals(9, ranked.size());
        assertEquals(List.of(0.691, 0.612, 0.564, 0.554, 0.528, 0.519, 0.492, 0.439, 0.416),
                ranked.stream().map(TrialResult::score).toList());
    }
}
