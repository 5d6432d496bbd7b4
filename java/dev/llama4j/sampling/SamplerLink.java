package dev.llama4j.sampling;

/** One link of the sampler chain: narrows or reshapes the candidates. */
interface SamplerLink {
    void apply(Candidates c);
}
