#!/bin/bash
# Lighthouse 12.8 on five pages (sign-in, shop, and each role's home or list),
# desktop and mobile presets, against a running `yunshi serve --demo` at $BASE
# (default http://127.0.0.1:8080). Prints each page's four category scores
# and the audits that did not pass. Needs Chromium at /usr/bin/chromium.
BASE=${BASE:-http://127.0.0.1:8080}
LH=${LH:-target/lighthouse}
if [ ! -f "$LH/node_modules/lighthouse/cli/index.js" ]; then npm install --silent --no-audit --no-fund --prefix "$LH" lighthouse@12.8.2; fi
cookie_for() {
  local login=$1 jar=/tmp/yunshi-lh-jar-$1
  rm -f $jar
  local token=$(curl -s -c $jar -b $jar $BASE/login | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -c $jar -b $jar -o /dev/null -d "csrf_token=$token&next=&login=$login&password=yunshi-demo" $BASE/login
  sed 's/^#HttpOnly_//' $jar | awk '!/^#/ && NF>=7 {printf "%s=%s; ", $6, $7}'
}
for spec in "anon /login" "anon /shop" "vendor1 /vendor" "operator /admin" "buyer1 /me/orders"; do
  set -- $spec
  who=$1; path=$2
  headers='{}'
  if [ "$who" != anon ]; then headers="{\"Cookie\":\"$(cookie_for $who)\"}"; fi
  for preset in desktop mobile; do
    extra=""; [ $preset = desktop ] && extra="--preset=desktop"
    CHROME_PATH=/usr/bin/chromium node "$LH/node_modules/lighthouse/cli/index.js" "$BASE$path" $extra \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu" --extra-headers="$headers" \
      --only-categories=performance,accessibility,best-practices,seo --output=json --output-path=/tmp/yunshi-lh.json --quiet 2>/dev/null
    node -e "const r=require('/tmp/yunshi-lh.json'); const c=r.categories; const fails=Object.values(r.audits).filter(a=>a.score!==null&&a.score<1&&a.scoreDisplayMode!=='informative'&&a.scoreDisplayMode!=='manual'&&a.scoreDisplayMode!=='notApplicable').map(a=>a.id); console.log('$who $path $preset', Object.keys(c).map(k=>k+'='+Math.round(c[k].score*100)).join(' '), r.finalDisplayedUrl||r.finalUrl, fails.slice(0,8).join(','))"
  done
done
