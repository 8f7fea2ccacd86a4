package dev.rotor.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The Markdown files link to each other's sections by anchor; moving or renaming a heading
 * (docs/benchmarks.md is rearranged as results come in) must not leave a link pointing nowhere.
 */
class DocLinksTest {
    // [text](target) where target is not an absolute URL; images too
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");

    @Test
    void everyRelativeLinkInTheDocsReachesAFileAndItsHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : markdownFiles()) {
            for (String target : links(Files.readString(doc))) {
                String problem = problem(doc, target);
                if (problem != null) {
                    broken.add(doc + ": (" + target + ") " + problem);
                }
            }
        }
        assertThat(broken, is(empty()));
    }

    @Test
    void anchorsAreMadeAsGitHubMakesThem() {
        // the rule this test relies on, checked against anchors GitHub rendered for these headings
        assertThat(anchors("## Warm from the first request (`bench/warmup`)\n"),
                   hasItem("warm-from-the-first-request-benchwarmup"));
        assertThat(anchors("### 2026-11-30 (afternoon): the next JVM in the same container (`ROTOR_RESPAWN`)\n"),
                   hasItem("2026-11-30-afternoon-the-next-jvm-in-the-same-container-rotor_respawn"));
        assertThat(anchors("## The image's heap (`bench/image-heap`)\n"), hasItem("the-images-heap-benchimage-heap"));
        assertThat(anchors("## Same\n## Same\n"), hasItem("same-1"));
    }

    @Test
    void aLinkToAMissingHeadingIsReported() throws IOException {
        Path doc = Path.of("docs/benchmarks.md");
        assertThat(problem(doc, "#no-such-section"), is(not((String) null)));
        assertThat(problem(doc, "configuration.md#no-such-section"), is(not((String) null)));
        assertThat(problem(doc, "no-such-file.md"), is(not((String) null)));
        assertThat(problem(doc, "#which-jit-benchjit"), is((String) null));
    }

    private static List<Path> markdownFiles() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    private static List<String> links(String markdown) {
        List<String> targets = new ArrayList<>();
        boolean inFence = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            Matcher m = LINK.matcher(line);
            while (m.find()) {
                String target = m.group(1);
                if (!target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) { // http:, https:, mailto:
                    targets.add(target);
                }
            }
        }
        return targets;
    }

    /** Null when the target exists, else what is wrong with it. */
    private static String problem(Path doc, String target) throws IOException {
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? doc : doc.toAbsolutePath().getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
            return "no such file " + resolved;
        }
        if (anchor == null || anchor.isEmpty()) {
            return null;
        }
        if (!resolved.toString().endsWith(".md")) {
            return null; // line anchors into source files are GitHub's business
        }
        return anchors(Files.readString(resolved)).contains(anchor) ? null : "no heading for #" + anchor;
    }

    /** GitHub's rule: lower case, drop what is not a letter, digit, space, '-' or '_', spaces become '-'. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inFence = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                inFence = !inFence;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (inFence || !m.matches()) {
                continue;
            }
            String slug = m.group(1).toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N} _-]", "")
                    .replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        return anchors;
    }
}
