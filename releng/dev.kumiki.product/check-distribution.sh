#!/usr/bin/env bash
# Kumiki: end-to-end checks of the materialized distributions, run by the build (integration-test phase).
#   check-distribution.sh PRODUCTS_DIR host         both distributions of this machine's architecture, with the
#                                                   java the launcher finds: output, exit codes, argument passing
#   check-distribution.sh PRODUCTS_DIR a64fx JAVA   the linux aarch64 headless distribution in the emulated A64FX
#                                                   JVM JAVA: it must detect the A64FX and pick the a64fx backend
# Each check runs a distribution's own `kumiki` script, as a user would.
set -uo pipefail
products=${1:?usage: $0 PRODUCTS_DIR host|a64fx [JAVA]}
products=$(cd "$products" && pwd) || exit 2
mode=${2:?usage: $0 PRODUCTS_DIR host|a64fx [JAVA]}
unset KUMIKI_BACKEND
failures=0
check() { # description, status (0 = ok)
    if [ "$2" -eq 0 ]; then echo "  ok   $1"; else echo "  FAIL $1"; failures=$((failures + 1)); fi
}

check_cli() { # distribution folder
    local dist=$1 out err json code
    echo "checking $dist"
    out=$("$dist/kumiki" version 2>&1); code=$?
    [ $code -eq 0 ] && [[ "$out" == "Kumiki 0.1.0.v"* ]]; check "kumiki version: ${out%%$'\n'*}" $?

    json=$("$dist/kumiki" backends --json 2>/dev/null); code=$?
    [ $code -eq 0 ] && grep -Eq '"id" : "(a64fx|vector|scalar)"' <<< "$json"; check "kumiki backends --json" $?

    err=$("$dist/kumiki" bakends 2>&1 >/dev/null); code=$?
    [ $code -eq 2 ] && grep -q "Did you mean: kumiki backends" <<< "$err"
    check "an unknown command exits 2 with a suggestion (exit $code)" $?

    err=$("$dist/kumiki" version -data /tmp 2>&1 >/dev/null); code=$?
    [ $code -eq 2 ] && grep -q "Unknown options: '-data', '/tmp'" <<< "$err"
    check "Equinox-like options in user arguments reach Kumiki, not Equinox" $?

    local tmp
    tmp=$(mktemp -d)
    TMPDIR=$tmp "$dist/kumiki" version > /dev/null 2>&1 && [ -z "$(ls -A "$tmp")" ]
    check "the launcher leaves no file behind (its arguments file is gone once Java has it)" $?
    rm -rf "$tmp"

    err=$(KUMIKI_BACKEND=gpu "$dist/kumiki" backends 2>&1 >/dev/null); code=$?
    [ $code -eq 2 ] && grep -q "unknown backend 'gpu'; choose one of a64fx, vector, scalar" <<< "$err"
    check "a bad KUMIKI_BACKEND is a usage error naming the choices" $?
    ! grep -q "Using incubator modules" <<< "$err"; check "no JVM incubator warning on stderr" $?

    # training: DJL's PyTorch engine (dev.kumiki.train.feature, fragments of ai.djl.api) loads inside OSGi and its
    # autograd computes a gradient (libtorch is extracted once into DJL_CACHE_DIR, ~/.cache/kumiki/djl by default)
    out=$("$dist/kumiki" backends --training 2>&1); code=$?
    [ $code -eq 0 ] && grep -q "a gradient checked: ok" <<< "$out"
    check "kumiki backends --training: ${out##*$'\n'}" $?
    # kumiki train of a tiny scratch model, and the trained model runs in Kumiki's own runtime
    local trainwork
    trainwork=$(mktemp -d)
    training_files "$dist" "$trainwork"
    out=$("$dist/kumiki" train "$trainwork/train.yml" 2>&1); code=$?
    [ $code -eq 0 ] && [ -f "$trainwork/trained/model.safetensors" ] && [ -f "$trainwork/trained/tokenizer.json" ]
    check "kumiki train of a tiny scratch config writes a model folder (exit $code): ${out##*$'\n'}" $?
    "$dist/kumiki" generate "$trainwork/trained" "the cat" --max-tokens 4 > /dev/null 2>&1
    check "kumiki generate runs the trained model" $?
    rm -rf "$trainwork"

    # a merge from mergekit YAML, end to end inside the distribution (OSGi wiring of the merge library and YAML)
    local work
    work=$(mktemp -d)
    "$dist/kumiki" make-model "$work/base" > /dev/null && "$dist/kumiki" make-model "$work/a" --variant 1 > /dev/null \
        && "$dist/kumiki" make-model "$work/b" --variant 2 > /dev/null
    check "kumiki make-model writes three small models" $?
    printf 'models:\n  - model: a\n    parameters: {weight: 0.5, density: 0.5}\n  - model: b\n    parameters: {weight: 0.5, density: 0.7}\nmerge_method: ties\nbase_model: base\n' > "$work/ties.yml"
    out=$("$dist/kumiki" merge "$work/ties.yml" "$work/merged" 2>&1); code=$?
    [ $code -eq 0 ] && [ -f "$work/merged/model.safetensors" ] && [ -f "$work/merged/mergekit_config.yml" ]
    check "kumiki merge of mergekit YAML writes the model: ${out##*$'\n'}" $?

    # the pipelines: node kinds found through the SPI inside OSGi, the bundled examples, the cache
    # --untrained: the training example takes minutes (check-distribution checks kumiki train on its own)
    out=$(cd "$work" && "$dist/kumiki" demo --untrained 2>&1); code=$?
    [ $code -eq 0 ] && [ "$(grep -c '^Succeeded' <<< "$out")" -eq 3 ] && [ -f "$work/kumiki-examples/out/ties.yml" ]
    check "kumiki demo runs the three example pipelines (exit $code)" $?
    # the evaluation example: a score table, and the report with the models side by side
    grep -q '^slerp of chat (base), code  *ppl_en  *byte_perplexity' <<< "$out" \
        && ls "$work"/kumiki-examples/.kumiki/runs/*/report.html > /dev/null 2>&1
    check "kumiki demo evaluates the never-saved merge beside its parents and writes the report" $?
    out=$("$dist/kumiki" run "$work/kumiki-examples/ties.kumiki" 2>&1); code=$?
    [ $code -eq 0 ] && grep -Eq '^save +SaveModel +cached' <<< "$out"
    check "kumiki run again: the saved model comes from the cache" $?
    err=$("$dist/kumiki" run "$work/kumiki-examples/ties.kumiki" --set merge.method=tis 2>&1 >/dev/null); code=$?
    [ $code -eq 2 ] && grep -q "'tis' is not one of" <<< "$err"
    check "a bad --set value exits 2 naming the choices" $?
    # the flagship demo's files come out of the bundle (the pipeline, its README, the base it fine-tunes) and its
    # estimate is told before anything runs (the run itself takes minutes: EvollmJpDemoTest runs it reduced)
    out=$(cd "$work" && "$dist/kumiki" demo evollm-jp --estimate 2>&1); code=$?
    [ $code -eq 0 ] && grep -q '^Estimate for this machine' <<< "$out" \
        && [ -f "$work/kumiki-examples/evollm-jp/evollm-jp.kumiki" ] && [ -f "$work/kumiki-examples/train/base/model.safetensors" ]
    check "kumiki demo evollm-jp --estimate writes the example and estimates its run (exit $code)" $?

    # bad input is refused with exit 2 and a message at its place: a recursive alias used to overflow the stack,
    # which Equinox logged inside the installation before exiting 0; a named pipe used to block for ever
    local bad="$work/bad" logs
    mkdir -p "$bad"
    logs=$(ls "$dist"/configuration/*.log 2> /dev/null | wc -l)
    printf 'kumiki: 1\nnodes:\n  m:\n    kind: Merge\n    method: slerp\n    parameters: &p {t: *p}\n' \
        > "$bad/recursive.kumiki"
    for command in validate run; do
        err=$("$dist/kumiki" $command "$bad/recursive.kumiki" 2>&1 >/dev/null); code=$?
        [ $code -eq 2 ] && grep -q "recursive.kumiki:6:17: error: the value '&p' contains an alias to itself" <<< "$err"
        check "kumiki $command of a pipeline with a recursive alias exits 2 naming the place (exit $code)" $?
    done
    mkfifo "$bad/fifo.kumiki"
    err=$(timeout 120 "$dist/kumiki" validate "$bad/fifo.kumiki" 2>&1 >/dev/null); code=$?
    [ $code -eq 2 ] && grep -q "fifo.kumiki: is a named pipe (FIFO), not a regular file" <<< "$err"
    check "a named pipe where a pipeline is expected is refused at once (exit $code)" $?
    [ "$(ls "$bad")" = "$(printf 'fifo.kumiki\nrecursive.kumiki')" ]; check "refused input leaves nothing on disk" $?
    [ "$(ls "$dist"/configuration/*.log 2> /dev/null | wc -l)" -eq "$logs" ]
    check "no error was logged inside the installation" $?

    # the canvas served to a browser from the distribution (web app inside the bundle, HTTP server inside OSGi)
    "$dist/kumiki" serve "$work/kumiki-examples/ties.kumiki" --port 0 > "$work/serve.log" 2>&1 &
    local serve=$! address="" base="" token="" refused=""
    for _ in $(seq 1 100); do
        address=$(grep -o 'http://127.0.0.1:[0-9]*/?token=[0-9a-f]*' "$work/serve.log" || true)
        [ -n "$address" ] && break
        sleep 0.2
    done
    base=${address%%\?*} token=${address#*token=}
    [ -n "$address" ] && curl -sf "$address" | grep -q '<div id="root">' \
        && curl -sf -X POST -H 'Content-Type: application/json' -H "X-Kumiki-Token: $token" -d '{"type":"hello"}' \
            "${base}api/command" | grep -q '"ok":true'
    check "kumiki serve serves the canvas and takes commands with its token (${address:-no address})" $?
    # the token, the origin, the host name and the content type are checked: each request below is refused
    post() { curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"type":"save"}' "$@" "${base}api/command"; }
    local json='Content-Type: application/json' key="X-Kumiki-Token: $token"
    [ -n "$address" ] && refused="$(post -H "$json" -H 'X-Kumiki-Token: wrong') $(post -H "$json") $(post -H "$json" \
        -H "$key" -H 'Origin: http://evil.example') $(post -H "$json" -H "$key" -H 'Host: evil.example') $(post \
        -H 'Content-Type: text/plain' -H "$key")"
    [ "$refused" = "403 401 403 403 415" ]
    check "kumiki serve refuses a wrong token, no token, another site, another Host, text/plain ($refused)" $?
    # stopping the launcher stops Kumiki: the script has handed over to Java, so TERM reaches the JVM itself
    kill "$serve" 2> /dev/null
    local stopped=1
    for _ in $(seq 1 50); do kill -0 "$serve" 2> /dev/null || { stopped=0; break; }; sleep 0.2; done
    check "kill stops kumiki serve (no JVM left behind)" $stopped
    [ $stopped -eq 0 ] || kill -KILL "$serve" 2> /dev/null
    wait "$serve" 2> /dev/null
    [ -n "$address" ] && ! curl -s --max-time 5 "$address" > /dev/null
    check "and its port is closed" $?
    rm -rf "$work"
}

training_files() { # distribution folder, work folder: a tiny scratch training's config.json, tokenizer, data, YAML
    local dist=$1 dir=$2 i
    "$dist/kumiki" make-model "$dir/tiny" --vocab 300 --dtype float32 > /dev/null
    for i in $(seq 1 40); do
        printf '{"text": "note %d: the cat sat on the mat, and the dog ran after the cat in the garden."}\n' "$i"
    done > "$dir/data.jsonl"
    printf 'mode: scratch\nconfig: tiny\ntokenizer: tiny\ndataset: data.jsonl\nformat: text\noutput: trained\nmax_steps: 6\nbatch_size: 2\ncutoff_len: 32\nval_size: 0.1\n' \
        > "$dir/train.yml"
}

# An integrator's Kumiki without the optional feature "Kumiki Training (DJL PyTorch)": the cheapest real one is a
# copy of the headless distribution whose OSGi configuration lists none of the feature's bundles (its fragments'
# jars are left out, bundles.info loses their lines and the framework's cached state is dropped). It must start,
# work, and say which feature to install when training is asked for.
check_without_training() { # distribution folder
    local dist=$1 copy out code
    copy=$(mktemp -d)/kumiki
    echo "checking a copy of $dist without dev.kumiki.train.feature"
    mkdir -p "$copy" && (cd "$dist" && tar --exclude='./plugins/ai.djl.pytorch.*' \
        --exclude='./features/dev.kumiki.train.feature_*' --exclude='./configuration/org.eclipse.osgi' -cf - .) \
        | (cd "$copy" && tar -xf -)
    sed -i '/^ai\.djl\.pytorch\./d' "$copy/configuration/org.eclipse.equinox.simpleconfigurator/bundles.info"
    ! ls "$copy/plugins" | grep -q '^ai\.djl\.pytorch' && grep -q '^dev\.kumiki\.train,' \
        "$copy/configuration/org.eclipse.equinox.simpleconfigurator/bundles.info"
    check "the copy has dev.kumiki.train but no PyTorch engine" $?
    out=$("$copy/kumiki" version 2>&1); code=$?
    [ $code -eq 0 ] && [[ "$out" == "Kumiki 0.1.0.v"* ]]; check "it starts: kumiki version" $?
    out=$("$copy/kumiki" backends --training 2>&1); code=$?
    [ $code -eq 1 ] && grep -q 'install the feature "Kumiki Training (DJL PyTorch)" (dev.kumiki.train.feature)' <<< "$out"
    check "kumiki backends --training exits 1 naming the feature to install (exit $code)" $?
    local trainwork
    trainwork=$(mktemp -d)
    training_files "$copy" "$trainwork"
    out=$("$copy/kumiki" train "$trainwork/train.yml" 2>&1); code=$?
    [ $code -eq 1 ] && grep -q 'install the feature "Kumiki Training (DJL PyTorch)" (dev.kumiki.train.feature)' <<< "$out" \
        && [ ! -e "$trainwork/trained" ]
    check "kumiki train exits 1 naming the feature to install, writing nothing (exit $code)" $?
    rm -rf "$trainwork"
    rm -rf "$(dirname "$copy")"
}

case "$mode" in
    host)
        case "$(uname -m)" in aarch64 | arm64) arch=aarch64 ;; *) arch=x86_64 ;; esac
        check_cli "$products/dev.kumiki.headless/linux/gtk/$arch/kumiki"
        check_cli "$products/dev.kumiki.studio/linux/gtk/$arch/kumiki-studio"
        plugins="$products/dev.kumiki.headless/linux/gtk/$arch/kumiki/plugins"
        [ -d "$plugins" ] && ! ls "$plugins" | grep -q '^org.eclipse.swt'
        check "the headless distribution has no SWT" $?
        # each distribution carries the libtorch of its own platform only (the two have the same resource names)
        for product in dev.kumiki.headless/linux/gtk/x86_64/kumiki dev.kumiki.studio/linux/gtk/x86_64/kumiki-studio \
                dev.kumiki.headless/linux/gtk/aarch64/kumiki dev.kumiki.studio/linux/gtk/aarch64/kumiki-studio; do
            [ -d "$products/$product" ] || continue
            own=$(basename "$(dirname "$product")")
            [ "$(ls "$products/$product/plugins" | grep '^ai\.djl\.pytorch\.native' | tr '\n' ' ')" \
                = "ai.djl.pytorch.native.cpu.linux.${own}_2.7.1.jar " ]
            check "${product%%/*} $own has the libtorch of linux $own only" $?
        done
        check_without_training "$products/dev.kumiki.headless/linux/gtk/$arch/kumiki"
        ;;
    a64fx)
        export KUMIKI_JAVA=${3:?usage: $0 PRODUCTS_DIR a64fx JAVA}
        dist="$products/dev.kumiki.headless/linux/gtk/aarch64/kumiki"
        echo "checking $dist in the emulated A64FX JVM $KUMIKI_JAVA"
        json=$("$dist/kumiki" backends --json 2>/dev/null); code=$?
        [ $code -eq 0 ]; check "kumiki backends --json exits 0" $?
        grep -q '"arch" : "aarch64"' <<< "$json"; check "runs on aarch64" $?
        grep -q '"implementer" : "0x46"' <<< "$json" && grep -q '"part" : "0x001"' <<< "$json"
        check "detects Fujitsu (0x46) A64FX (0x001)" $?
        grep -q '"sveVectorBits" : 512' <<< "$json"; check "with 512-bit SVE" $?
        grep -q '"id" : "a64fx"' <<< "$json"; check "and picks the a64fx backend" $?
        # the aarch64 libtorch fragment (training) loads under the A64FX and its autograd is right
        out=$("$dist/kumiki" backends --training 2>&1); code=$?
        [ $code -eq 0 ] && grep -q "a gradient checked: ok" <<< "$out"
        check "kumiki backends --training on the A64FX: ${out##*$'\n'}" $?
        work=$(mktemp -d)
        "$dist/kumiki" make-model "$work/base" > /dev/null && "$dist/kumiki" make-model "$work/a" --variant 1 > /dev/null
        check "kumiki make-model on the A64FX" $?
        printf 'models:\n  - model: a\n    parameters: {weight: 1.0, density: 0.5}\nmerge_method: ties\nbase_model: base\n' \
            > "$work/ties.yml"
        out=$("$dist/kumiki" merge "$work/ties.yml" "$work/merged" 2>&1); code=$?
        [ $code -eq 0 ] && grep -q "with the vector-512 kernels" <<< "$out" && [ -f "$work/merged/model.safetensors" ]
        check "a ties merge with the 512-bit SVE vector kernels: ${out##*$'\n'}" $?
        # the same merge on this machine's x86_64 distribution: elementwise kernels give the same bits everywhere
        host="$products/dev.kumiki.headless/linux/gtk/x86_64/kumiki/kumiki"
        if [ -x "$host" ]; then
            # a failing host merge is a failed check, not a skipped one
            env -u KUMIKI_JAVA "$host" merge "$work/ties.yml" "$work/merged-host" > /dev/null 2>&1 \
                && [ "$(sha256sum < "$work/merged/model.safetensors")" = "$(sha256sum < "$work/merged-host/model.safetensors")" ]
            check "the A64FX merge is bit-identical to the x86_64 one" $?
        fi
        # a generation on the A64FX (tokenizer's native library for aarch64, SVE kernels): the same greedy text as on
        # x86_64, byte for byte
        "$dist/kumiki" make-model "$work/gen" --vocab 320 > /dev/null \
            && "$dist/kumiki" generate "$work/gen" "ab" --max-tokens 8 > "$work/gen-a64fx.txt" 2> /dev/null \
            && [ -s "$work/gen-a64fx.txt" ]
        check "kumiki generate on the A64FX" $?
        if [ -x "$host" ]; then
            env -u KUMIKI_JAVA "$host" generate "$work/gen" "ab" --max-tokens 8 > "$work/gen-host.txt" 2> /dev/null \
                && cmp -s "$work/gen-a64fx.txt" "$work/gen-host.txt"
            check "the A64FX generates the same tokens as x86_64" $?
        fi
        # the example pipelines on the A64FX, and their TIES model against the x86_64 distribution's
        out=$(cd "$work" && mkdir a64fx && cd a64fx && "$dist/kumiki" demo --untrained 2>&1); code=$?
        [ $code -eq 0 ] && [ "$(grep -c '^Succeeded' <<< "$out")" -eq 3 ]
        check "kumiki demo runs the example pipelines on the A64FX (exit $code)" $?
        if [ -x "$host" ] && (cd "$work" && mkdir x86 && cd x86 && env -u KUMIKI_JAVA "$host" demo --untrained > /dev/null 2>&1); then
            [ "$(cat "$work"/a64fx/kumiki-examples/out/ties/*.safetensors | sha256sum)" \
                = "$(cat "$work"/x86/kumiki-examples/out/ties/*.safetensors | sha256sum)" ]
            check "the A64FX pipeline's model is bit-identical to the x86_64 one" $?
        fi
        rm -rf "$work"
        ;;
    *) echo "unknown mode '$mode'; use host or a64fx" >&2; exit 2 ;;
esac
if [ $failures -gt 0 ]; then echo "$failures distribution check(s) failed"; exit 1; fi
