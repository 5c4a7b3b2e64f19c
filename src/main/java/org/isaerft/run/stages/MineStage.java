package org.isaerft.run.stages;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.isaerft.activations.MiningConfig;
import org.isaerft.activations.MiningIndex;
import org.isaerft.activations.MiningJob;
import org.isaerft.activations.MiningOutput;
import org.isaerft.config.RunConfig;
import org.isaerft.run.SaeInfo;
import org.isaerft.run.Stage;
import org.isaerft.run.StageContext;
import org.isaerft.run.layout.StageId;
import org.isaerft.sae.Sae;

/** Mines the corpus through the model and every SAE of the run ({@link MiningJob}) into {@code mine/SAE/}; SAEs already mined are kept. */
public final class MineStage extends ConfiguredStage<MineStage.Output> {
    /** @param tokensMinedNow tokens mined by this execution @param records latent records of all SAEs */
    public record Output(@JsonProperty("schema_version") int schemaVersion, long tokensMinedNow,
            int records) {
        public Output {
            Stages.checkOutput(schemaVersion, tokensMinedNow, records);
        }
    }

    public MineStage(RunConfig config) {
        super(StageId.MINE, config);
    }

    @Override
    void addSlice(Map<String, Object> slice) {
        slice.put("corpus", config.corpus());
        slice.put("mine", config.mine());
    }

    @Override
    public Output run(StageContext ctx) {
        RunConfig.MineSection ms = config.mine();
        RunConfig.CorpusSection cs = config.corpus();
        long tokens = 0;
        int records = 0;
        for (SaeInfo info : ctx.saes()) {
            Path sdir = ctx.layout().mined(info.name());
            if (Files.isRegularFile(sdir.resolve(MiningIndex.FILE))) {
                records += MiningOutput.readIndex(sdir).latents().size();
                continue;
            }
            try (Sae sae = ctx.openSae(info)) {
                MiningConfig mc = MiningConfig.DEFAULT.withTopK(ms.topK()).withWindow(ms.window()).withPerDecile(ms.perDecile())
                        .withRandom(ms.nRandom()).withSeed(config.seed());
                long budget = cs.tokens();
                MiningJob.Result r = MiningJob.builder(ctx.model(), sae, ctx.home().resolve(cs.path())).config(mc).textField(cs.textField())
                        .tokens(budget).budget(MiningJob.Budget.WHOLE_SEQUENCES).batch(cs.batch()).seqLen(cs.seqLen()).source(info.hook())
                        .provenance(config.model(), info.spec()).progress((tok, seqs, secs) -> {
                            if (seqs % (cs.batch() * 8L) == 0) {
                                ctx.log().printf("  [mine %s] %d/%d tokens, %.0f tok/s%n", info.name(), tok, budget, tok / Math.max(secs, 1e-9));
                            }
                        }).build().run(sdir);
                tokens += r.mining().tokens();
                records += r.index().latents().size();
                ctx.log().printf("  [mine %s] %d tokens, %d latents (%d dead), %.0f tok/s%n", info.name(), r.mining().tokens(),
                        r.index().latents().size(), r.index().dead().size(), r.mining().tokensPerSecond());
            }
        }
        if (records == 0) {
            throw new Stage.StageFailure(id(), "no latent records were mined (corpus " + cs.path() + ")");
        }
        return new Output(Stages.OUTPUT_SCHEMA_VERSION, tokens, records);
    }
}
