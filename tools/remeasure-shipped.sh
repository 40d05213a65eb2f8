#!/usr/bin/env bash
# Re-measures every README figure, image and test that depends on the shipped StyleGAN2
# (models/fmnist-stylegan2), for a candidate snapshot, without touching models/. Shipping is then
#   tools/remeasure-shipped.sh measure CANDIDATE OUT     # hours on one thread; resumable (finished steps are skipped)
#   tools/remeasure-shipped.sh install OUT [REPO]        # copy the float16 bundle, encoder (or ENCODER=DIR) and images into REPO
#   ... and editing the README from OUT/report.md.
#
# measure flags (after CANDIDATE OUT):
#   --skip-encoder      do not train an encoder for the candidate: encoder figures use models/fmnist-encoder
#                       (trained for the old generator: they are then stale and marked so)
#   --encoder DIR       use this encoder bundle (already trained for the candidate) instead of training one
#   --only a,b          run only these steps; --skip a,b: all but these (globs allowed: 'knobs-*'; names:
#                       `tools/remeasure-shipped.sh steps`). Two shells with disjoint --only lists share one OUT.
#   --all-tests         step tests runs every test file that loads the shipped bundles, not only $SHIPPED_TESTS
#   --fcd-lineage A,B   metric-fcd.jsonl files of the candidate's runs, oldest first: step fcd-plot draws FCD by kimg
#   --quick             small sizes everywhere (a smoke run of the whole procedure: minutes, figures not for the README)
# report OUT: rewrite OUT/report.md from the logs (measure does this at the end).
#
# Every step runs with LATENTLAB_THREADS=1 and nice -n ${NICE:-5}; its log is OUT/logs/STEP.log, its
# command, exit status and seconds go to OUT/steps.tsv. The encoder, the long pole, trains in the
# background from the start; the steps that need it wait for it at the end.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI=(node "$ROOT/bin/latentlab.js")
TSX=(node "$ROOT/node_modules/tsx/dist/cli.mjs")
C=models/fmnist-classifier
J=models/fmnist-judge
# Tests whose thresholds or comments were measured on the shipped StyleGAN2 / encoder (re-set them from the report):
# encoder.shipped (PSNR_THRESHOLD, SSIM_THRESHOLD = step encoder-generated - 1 dB / 0.02), projector.shipped
# (W+ L-BFGS >= 30 dB on two seeds), attributeKnobs / perClassKnobs (moves and kept shares), jacobian, info (the
# card's evaluation, the encoder trained for fmnist-stylegan2), train/encoder, cli/encoder, the finite-difference
# tests of conditioning and the encoder, resumeOptions (the training README's commands parse).
SHIPPED_TESTS="test/inversion/encoder.shipped.test.ts test/inversion/projector.shipped.test.ts test/directions/attributeKnobs.test.ts
  test/directions/perClassKnobs.test.ts test/directions/jacobian.test.ts test/cli/info.test.ts test/train/encoder.test.ts
  test/cli/encoder.test.ts src/metrics/conditioning.test.ts src/inversion/encoder.test.ts test/train/resumeOptions.test.ts"

STEPS=(bundle fcd card samples fcd-plot encoder paths ppl conditioning interfacegan interfacegan-z ganspace sefa jacobian edit-images
  inversion-100x200 inversion-20x500 knobs-attr knobs-attr-all knobs-attr-5-7 knobs-attr-none knobs-attr-svm
  knobs-attr-svm-none knobs-class knobs-class-svm knobs-perclass-attr knobs-perclass-attr-all knobs-perclass-class
  encoder-generated encoder-quality tests)

usage() { sed -n 2,18p "$0" | sed 's/^# \{0,1\}//'; exit 2; }

# ---- install: OUT's bundle, encoder and images into a checkout -------------------------------------------
install_into() {
  local out=$1 repo=$2
  [[ -f $out/fmnist-stylegan2/model.json ]] || { echo "install: $out/fmnist-stylegan2 missing (run measure first)" >&2; return 1; }
  grep -q '"evaluation"' "$out/fmnist-stylegan2/model.json" || { echo "install: $out/fmnist-stylegan2 has no recorded FCD (step fcd)" >&2; return 1; }
  cp "$out/fmnist-stylegan2/model.json" "$out/fmnist-stylegan2/weights.safetensors" "$repo/models/fmnist-stylegan2/"
  [[ -f $out/samples/grid.png ]] && cp "$out/samples/grid.png" "$repo/models/fmnist-stylegan2/samples.png"
  # the encoder: ENCODER=DIR, else the one step encoder trained (only once it finished: its bundle/ is written at every snapshot)
  local enc=${ENCODER:-}
  [[ -z $enc && -f $out/logs/encoder.ok ]] && enc=$out/encoder/bundle
  if [[ -n $enc && -f $enc/model.json ]]; then
    cp "$enc/model.json" "$enc/weights.safetensors" "$repo/models/fmnist-encoder/"
    local last
    last=$(ls "$out"/encoder/samples/recon-*.png 2>/dev/null | sort | tail -1)
    [[ -n $last ]] && cp "$last" "$repo/models/fmnist-encoder/samples.png"
  else
    echo "install: no finished encoder in $out (or ENCODER=DIR): models/fmnist-encoder still serves the old generator" >&2
  fi
  [[ -f $out/fcd-fmnist-stylegan2.png ]] && cp "$out/fcd-fmnist-stylegan2.png" "$repo/docs/training/"
  for f in Sandal T-shirt_top; do [[ -f $out/edit/$f.png ]] && cp "$out/edit/$f.png" "$repo/docs/directions/$f.png"; done
  echo "installed $out into $repo (now: README figures from $out/report.md, the tests' thresholds, git add)"
}

# ---- measure ---------------------------------------------------------------------------------------------
run_step() { # name, command... : skipped when done before; logs, seconds and status recorded
  local name=$1
  shift
  want "$name" || return 0
  if [[ -f $OUT/logs/$name.ok ]]; then echo "[$name] done before, skipped"; return 0; fi
  # another shell on the same OUT runs it now (a stale lock after a crash: rmdir OUT/logs/STEP.lock)
  if ! mkdir "$OUT/logs/$name.lock" 2>/dev/null; then echo "[$name] running in another shell, skipped"; return 0; fi
  echo "[$name] $(date -u +%H:%M:%S) $*"
  local t0=$SECONDS
  (cd "$ROOT" && LATENTLAB_THREADS=1 nice -n "${NICE:-5}" "$@") >"$OUT/logs/$name.log" 2>&1
  local rc=$? s=$((SECONDS - t0))
  local flat
  flat=$(tr '\n' ' ' <<<"$*" | tr -s ' ')
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$s" "$flat" >>"$OUT/steps.tsv"
  rmdir "$OUT/logs/$name.lock"
  if ((rc == 0)); then touch "$OUT/logs/$name.ok"; else echo "[$name] FAILED (exit $rc), see $OUT/logs/$name.log" >&2; fi
  echo "[$name] ${s} s, exit $rc"
  return 0
}

matches() { # name, comma-separated patterns (globs: knobs-*)
  local p
  IFS=, read -ra ps <<<"$2"
  for p in "${ps[@]}"; do [[ $1 == $p ]] && return 0; done
  return 1
}

want() {
  if [[ -n $ONLY ]] && ! matches "$1" "$ONLY"; then return 1; fi
  if [[ -n $SKIP ]] && matches "$1" "$SKIP"; then return 1; fi
  return 0
}

measure() {
  local cand=$1
  OUT=$(mkdir -p "$2" && cd "$2" && pwd)
  shift 2
  local skip_encoder=0 encoder='' quick=0 all_tests=0 lineage=''
  ONLY='' SKIP=''
  while (($#)); do
    case $1 in
      --skip-encoder) skip_encoder=1 ;;
      --encoder) encoder=$(cd "$2" && pwd) && export ENCODER=$encoder; shift ;;
      --only) ONLY=$2; shift ;;
      --skip) SKIP=$2; shift ;;
      --quick) quick=1 ;;
      --all-tests) all_tests=1 ;;
      --fcd-lineage) lineage=$2; shift ;;
      *) usage ;;
    esac
    shift
  done
  mkdir -p "$OUT/logs" "$OUT/dirs"
  local M=$OUT/fmnist-stylegan2 D=$OUT/dirs
  # sizes: the README's, or tiny ones for a smoke run
  local n_fcd=10000 n_paths=100 n_ppl=10000 n_cond=200 n_ifg=20000 n_pca=100000 n_eval=200 inv100='--num 100 --steps 200'
  local inv20='--num 20 --steps 500' enc_kimg=100 enc_q='--images 100 --steps 100' k6=6000 k3=3000 k20=20000 kc=8000 pa=4000 pc=6000
  if ((quick)); then
    n_fcd=500 n_paths=4 n_ppl=200 n_cond=8 n_ifg=2000 n_pca=2000 n_eval=20 inv100='--num 4 --steps 5' inv20='--num 2 --steps 5'
    enc_kimg=1 enc_q='--images 4 --steps 5' k6=600 k3=600 k20=2000 kc=800 pa=600 pc=800
  fi

  # 1. the float16 bundle as it would ship (named fmnist-stylegan2, provenance kept) and its card's FCD
  run_step bundle "${CLI[@]}" import "$cand" --out "$M" --name fmnist-stylegan2 --fp16
  run_step fcd "${CLI[@]}" metrics fcd --model "$M" --classifier $C --data fashion-mnist --num $n_fcd --trunc 1 --seed-start 0 \
    --noise-mode const --ref-num 10000 --record --json "$OUT/fcd.json"
  run_step card "${CLI[@]}" info "$M"
  run_step samples "${CLI[@]}" generate --model "$M" --seeds 0-63 --grid --grid-columns 8 --upscale 2 --outdir "$OUT/samples"
  [[ -n $lineage ]] && run_step fcd-plot "${TSX[@]}" tools/fcdPlot.ts "$OUT/fcd-fmnist-stylegan2.png" ${lineage//,/ }

  # 2. the encoder for the candidate, in the background (the long pole)
  local enc_pid=''
  if [[ -z $encoder && $skip_encoder == 0 ]] && want encoder && [[ ! -f $OUT/logs/encoder.ok ]]; then
    local resume=''
    [[ -f $OUT/encoder/checkpoint.safetensors ]] && resume=--resume
    run_step encoder "${CLI[@]}" train encoder --model "$M" --classifier $C --data fashion-mnist --outdir "$OUT/encoder" \
      --kimg $enc_kimg --snap-kimg 10 --checkpoint-minutes 3 --lr 0.0007 --lr-half-life 30 --name fmnist-encoder --fp16 --quiet --threads 1 $resume &
    enc_pid=$!
  fi
  [[ -z $encoder ]] && encoder=$OUT/encoder/bundle
  ((skip_encoder)) && encoder=$ROOT/models/fmnist-encoder

  # 3. latent paths, PPL, conditioning (README: Latent paths; Measured on the shipped StyleGAN2)
  run_step paths bash -c "${CLI[*]} interpolate --model '$M' --measure $n_paths --steps 8 --space z --json '$OUT/paths-z.json' &&
    ${CLI[*]} interpolate --model '$M' --measure $n_paths --steps 8 --space w --json '$OUT/paths-w.json'"
  run_step ppl "${CLI[@]}" metrics ppl --model "$M" --classifier $C --num $n_ppl --json "$OUT/ppl.json"
  run_step conditioning "${CLI[@]}" metrics conditioning --model "$M" --num $n_cond --json "$OUT/conditioning.json"

  # 4. directions: InterFaceGAN W (+ eval at 3σ and 2σ, conditional Pullover, rows 0-3), Z, GANSpace, SeFa, Jacobian
  run_step interfacegan bash -c "set -e; L='${CLI[*]}'
    \$L directions interfacegan --model '$M' --classifier $C --attributes all --num $n_ifg --out '$D/fmnist-w.safetensors'
    echo '== eval 3 sigma'; \$L directions eval --model '$M' --classifier $C --directions '$D/fmnist-w.safetensors' --num $n_eval --strength 3
    echo '== eval 2 sigma'; \$L directions eval --model '$M' --classifier $C --directions '$D/fmnist-w.safetensors' --num $n_eval --strength 2
    echo '== eval 3 sigma, rows 0-3'; \$L directions eval --model '$M' --classifier $C --directions '$D/fmnist-w.safetensors' --num $n_eval --strength 3 --layers 0-3
    echo '== conditional Pullover | T-shirt, Shirt'
    \$L directions conditional --primary '$D/fmnist-w.safetensors#Pullover' --condition '$D/fmnist-w.safetensors#T-shirt/top,$D/fmnist-w.safetensors#Shirt' --model '$M' --out '$D/pullover.safetensors'
    \$L directions eval --model '$M' --classifier $C --directions '$D/pullover.safetensors' --num $n_eval --strength 3"
  run_step interfacegan-z "${CLI[@]}" directions interfacegan --model "$M" --classifier $C --attributes all --num $n_ifg --space z --out "$D/fmnist-z.safetensors"
  run_step ganspace bash -c "set -e; ${CLI[*]} directions ganspace --model '$M' --num $n_pca --out '$D/ganspace.npz'
    ${CLI[*]} directions eval --model '$M' --classifier $C --directions '$D/ganspace.npz' --components 0,1,2,3,4 --num $n_eval --strength 3"
  run_step sefa bash -c "set -e; ${CLI[*]} directions sefa --model '$M' --out '$D/sefa.safetensors'
    ${CLI[*]} directions sefa --model '$M' --include conv --out '$D/sefa-conv.safetensors'
    ${CLI[*]} directions eval --model '$M' --classifier $C --directions '$D/sefa.safetensors' --components 0,1,2,3,4 --num $n_eval --strength 3"
  run_step jacobian "${CLI[@]}" directions jacobian --model "$M" --seed 0 --components 8 --out "$D/jac.safetensors"
  run_step edit-images bash -c "${CLI[*]} edit --model '$M' --directions '$D/fmnist-w.safetensors' --component 'Sandal,T-shirt/top' \
    --seeds 0-5 --strengths 0:3:4 --upscale 2 --outdir '$OUT/edit'"

  # 5. projection tables (README: Projection comparison), StyleGAN2 rows only (the DCGAN does not change)
  local rows=sg2.w.adam,sg2.w+.adam,sg2.z.adam,sg2.w.lbfgs,sg2.w+.lbfgs,sg2.z.lbfgs
  run_step inversion-100x200 "${TSX[@]}" bench/inversionTable.ts --model "$M" $inv100 --rows $rows --json "$OUT/inversion-100x200.json"
  run_step inversion-20x500 "${TSX[@]}" bench/inversionTable.ts --model "$M" $inv20 --rows $rows --json "$OUT/inversion-20x500.json"

  # 6. attribute / class / per-class knob tables (README: Attribute knobs)
  local AK=("${TSX[@]}" bench/attributeKnobs.ts --model "$M")
  run_step knobs-attr "${AK[@]}" --num $k6 --eval-num $n_eval
  run_step knobs-attr-all "${AK[@]}" --num $k3 --layers all --eval-num $n_eval
  run_step knobs-attr-5-7 "${AK[@]}" --num $k3 --layers 5-7 --eval-num $n_eval
  run_step knobs-attr-none "${AK[@]}" --num $k3 --keep none --epsilon 1 --eval-num $n_eval
  run_step knobs-attr-svm "${AK[@]}" --method svm --num $k20 --layers all --eval-num $n_eval
  run_step knobs-attr-svm-none "${AK[@]}" --method svm --keep none --num $k20 --layers all --eval-num $n_eval
  run_step knobs-class "${TSX[@]}" bench/classKnobs.ts --model "$M" --num $kc --eval-num $n_eval
  run_step knobs-class-svm "${TSX[@]}" bench/classKnobs.ts --model "$M" --method svm --eval-num $n_eval
  run_step knobs-perclass-attr "${TSX[@]}" bench/perClassKnobs.ts --model "$M" --kind attributes --num $pa --keep own,all,none --eval-num $n_eval
  run_step knobs-perclass-attr-all "${TSX[@]}" bench/perClassKnobs.ts --model "$M" --kind attributes --num $pa --layers all --keep own --eval-num $n_eval
  run_step knobs-perclass-class "${TSX[@]}" bench/perClassKnobs.ts --model "$M" --kind classes --num $pc --nearest 2,1,3,0 --eval-num $n_eval

  # 7. the encoder's figures (README: Shipped encoder, the encoder rows of Projection comparison)
  if [[ -n $enc_pid ]]; then echo "[encoder] waiting for the encoder (pid $enc_pid)"; wait "$enc_pid"; fi
  if [[ -f $encoder/model.json ]]; then
    run_step encoder-generated "${TSX[@]}" tools/encoderGenerated.ts --model "$M" --encoder "$encoder"
    run_step encoder-quality "${TSX[@]}" tools/encoderQuality.ts --model "$M" --encoder "$encoder" $enc_q
  else
    echo "[encoder-*] no encoder bundle at $encoder: skipped" >&2
  fi

  # 8. the tests that load the shipped models, in a scratch copy of the checkout with the candidate installed
  if want tests && [[ ! -f $OUT/logs/tests.ok ]]; then
    local scratch=$OUT/scratch-checkout
    rm -rf "$scratch" && mkdir -p "$scratch"
    (cd "$ROOT" && git ls-files -z | xargs -0 cp --parents -t "$scratch") && ln -s "$(readlink -f "$ROOT/node_modules")" "$scratch/node_modules"
    install_into "$OUT" "$scratch" >"$OUT/logs/install.log" 2>&1
    local files=$SHIPPED_TESTS
    # --all-tests: every test file that loads the shipped bundles (studio, CLI, verbs: ~40 files, much longer)
    ((all_tests)) && files=$(cd "$ROOT" && grep -rlE "fmnist-(stylegan2|encoder)" test src --include='*.test.ts' | tr '\n' ' ')
    files=$(tr -s ' \n' ' ' <<<"$files")
    ROOT=$scratch run_step tests bash -c "cd '$scratch' && npx vitest run $files"
  fi
  write_report
}

# ---- report: one file with every step's command, time and result lines -----------------------------------
write_report() {
  local r=$OUT/report.md
  {
    echo "# Re-measurement of $(basename "$OUT") ($(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo "Every step: LATENTLAB_THREADS=1, nice -n ${NICE:-5}. Seconds are wall clock on this machine as it was loaded."
    echo
    echo '| step | exit | seconds | command |'
    echo '|---|---|---|---|'
    [[ -f $OUT/steps.tsv ]] && awk -F'\t' '{ c = $4; gsub(/\|/, "\\|", c); if (length(c) > 160) c = substr(c, 1, 160) "…"; printf "| %s | %s | %s | `%s` |\n", $1, $2, $3, c }' "$OUT/steps.tsv"
    for s in "${STEPS[@]}"; do
      [[ -f $OUT/logs/$s.log ]] || continue
      echo
      echo "## $s"
      echo
      echo '```'
      # the result lines: tables, summaries; not progress bars or per-batch progress
      tr '\r' '\n' <"$OUT/logs/$s.log" | grep -v -E '^\s*[^ ]+:? [0-9.]+/[0-9.]+( |$)|[█░]|^npm warn|^\s*$' | tail -n 400
      echo '```'
    done
  } >"$r"
  echo "report: $r"
}

case ${1:-} in
  measure) (($# >= 3)) || usage; shift; measure "$@" ;;
  install) (($# >= 2)) || usage; install_into "$(cd "$2" && pwd)" "${3:-$ROOT}" ;;
  report) (($# == 2)) || usage; OUT=$(cd "$2" && pwd); write_report ;;
  steps) printf '%s\n' "${STEPS[@]}" ;;
  *) usage ;;
esac; exit $? # on one line with esac: bash has read the whole script before it runs, so editing it mid-run is safe
