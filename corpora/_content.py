"""Hand-written text for the sample corpora (pure data, no logic).

Every string here was written for this repository; nothing is copied from a licensed data set.
``generate.py`` parses the small block markup used below and assembles the files in ``data/``.

Block markup (one record per block)::

    %%% key
    %% field
    value lines ...
    %% other_field
    value lines ...

A field's value is the text up to the next marker, with leading and trailing newlines removed.
Fields may repeat (chat turns use ``human`` / ``gpt`` in order).
"""

# ruff: noqa: E501

# ---------------------------------------------------------------------------------------------
# instructions.jsonl: long explanations (>= 100 words of output).  Several are the originals
# for planted near duplicates and hard negatives, so they must stay long.
# ---------------------------------------------------------------------------------------------
INSTRUCTIONS_LONG = r"""
%%% photosynthesis
%% instruction
Explain how photosynthesis works in plain language.
%% input
%% output
Photosynthesis is the way plants turn light into food. Inside their leaves are tiny structures called chloroplasts, which contain a green pigment named chlorophyll. Chlorophyll absorbs sunlight, mostly red and blue light, and reflects green, which is why leaves look green to us.

The plant pulls water up from its roots and takes in carbon dioxide from the air through small pores called stomata. Using the energy captured from light, it splits the water molecules, releasing oxygen as a by-product. That oxygen drifts out of the leaf and into the air we breathe.

The energy is then used to combine carbon dioxide into sugar, mainly glucose. The plant burns some of that sugar for energy right away and stores the rest as starch or uses it to build cellulose for new stems and leaves. In short: light + water + carbon dioxide go in, and sugar + oxygen come out.

%%% compound_interest
%% instruction
Explain compound interest to someone who is just starting to save.
%% input
%% output
Compound interest means you earn interest not only on the money you put in, but also on the interest you have already earned. Over time, your savings grow faster and faster, a bit like a snowball rolling downhill and picking up more snow.

Here is a simple example. Suppose you deposit $1,000 in an account that pays 5% a year. After the first year you have $1,050. In the second year you earn 5% on $1,050, not on the original $1,000, so you end the year with $1,102.50. The extra $2.50 is interest earned on interest.

That difference looks tiny at first, but it adds up. Leave the same money alone for 30 years and it grows to roughly $4,300 without you adding a cent. The two things that matter most are the interest rate and time, and time is the one you control. That is why people say the best moment to start saving is as early as possible, even if the amounts are small.

%%% sourdough_starter
%% instruction
How do I make a sourdough starter from scratch?
%% input
%% output
You only need flour, water, a jar and about a week of patience.

1. Day 1: In a clean glass jar, mix 50 g of whole wheat or rye flour with 50 g of lukewarm water. Stir until there are no dry bits, cover loosely and leave it at room temperature.
2. Days 2 to 3: You may see a few bubbles, or nothing at all. Both are normal. Each day, discard about half of the mixture and feed what remains with 50 g of flour and 50 g of water.
3. Days 4 to 7: Keep discarding and feeding once or twice a day. You can switch to white bread flour now. The starter should start rising and falling on a predictable schedule and smell pleasantly sour, a little like yogurt.
4. Ready to bake: When the starter reliably doubles within 4 to 8 hours of a feeding and is full of bubbles, it is strong enough to raise bread.

Tips: use filtered water if your tap water is heavily chlorinated, keep the jar somewhere warm (around 24 to 26 °C), and do not worry about a layer of grey liquid on top. That is called hooch and simply means the starter is hungry.

%%% printing_press
%% instruction
Why was the printing press so important for European history?
%% input
%% output
Before Johannes Gutenberg built his movable-type press in Mainz around 1440, books in Europe were copied by hand. A single Bible could take a scribe more than a year, so books were rare, expensive and mostly owned by monasteries, universities and the very rich.

The press changed that within a few decades. By 1500, printers in more than 200 European cities had produced millions of copies. Cheaper books meant more people had a reason to learn to read, and literacy slowly spread beyond the clergy and the nobility.

Printing also made ideas travel faster and arrive unchanged. When Martin Luther published his criticisms of the Church in 1517, printed pamphlets carried them across Germany in weeks, which helped the Reformation take hold. Scientists could share identical diagrams and tables, so errors were spotted and corrected, a process that fed the Scientific Revolution. Standardised printed texts even helped fix the spelling and grammar of national languages. In short, the press turned knowledge from a scarce luxury into something that could be copied, debated and built upon.

%%% git_merge_rebase
%% instruction
What is the difference between git merge and git rebase?
%% input
%% output
Both commands combine work from one branch into another, but they record history differently.

`git merge` takes the tips of two branches and creates a new merge commit that has both as parents. Nothing that already exists is rewritten. The history shows exactly what happened, including the point where the branches diverged, but on a busy project it can become a tangle of merge commits.

`git rebase` takes the commits from your branch and replays them one by one on top of another branch. The result is a straight, linear history, as if you had started your work from the latest version. The catch is that rebasing creates new commits with new hashes, so it rewrites history.

A common rule of thumb:

- Rebase your own local feature branch onto `main` to keep it up to date and tidy before you open a pull request.
- Merge when integrating shared branches, and never rebase commits that other people have already pulled, because their copies would no longer match yours.

%%% sleep_advice
%% instruction
Give me practical advice for sleeping better.
%% input
%% output
Here are habits that help most people sleep better, roughly in order of impact:

1. Keep a consistent schedule. Go to bed and get up at the same time every day, including weekends. Your body clock likes routine more than it likes long lie-ins.
2. Get daylight in the morning. Ten to twenty minutes of outdoor light soon after waking helps set your internal clock, which makes it easier to feel sleepy at night.
3. Watch caffeine and alcohol. Caffeine can stay in your system for eight hours or more, so try to stop by early afternoon. Alcohol may make you drowsy, but it fragments sleep later in the night.
4. Make the bedroom dark, quiet and cool. Around 18 °C suits most people. Blackout curtains or an eye mask and earplugs are cheap fixes.
5. Wind down. Give yourself 30 to 60 minutes without work email or scrolling. Reading a paper book, stretching or a warm shower are good signals that the day is over.
6. Do not lie awake for hours. If you cannot sleep after about 20 minutes, get up, do something calm in dim light and return when you feel sleepy.

If you snore loudly, wake up gasping, or feel exhausted despite enough time in bed, talk to a doctor, since conditions like sleep apnea are common and treatable.

%%% vaccines_immune
%% instruction
Explain how vaccines train the immune system.
%% input
%% output
Your immune system learns by experience. When a new germ gets into your body, it takes the immune system several days to recognise it and build a targeted response, and in the meantime you can get quite sick.

A vaccine gives the immune system that experience in advance, without the danger. It contains something that looks like the germ but cannot cause the disease: a weakened or inactivated virus, a harmless piece of the germ such as a surface protein, or instructions (like mRNA) that let your own cells make that protein for a short time.

Immune cells called B cells respond by producing antibodies that stick to that specific shape, while T cells learn to recognise and destroy infected cells. Most importantly, some of these cells become long-lived memory cells. If you later meet the real germ, the memory cells recognise it immediately and launch a strong response within hours instead of days, often clearing the infection before you notice any symptoms. Some vaccines need booster doses because that memory fades over time or because the germ changes.

%%% inflation
%% instruction
What causes inflation?
%% input
%% output
Inflation is a general rise in prices across the economy, which means each unit of money buys a little less than before. Economists usually point to a few main causes.

Demand-pull inflation happens when people, businesses and the government want to buy more goods and services than the economy can produce. Sellers respond to the extra demand by raising prices. This often follows periods of strong growth, low interest rates or large government spending.

Cost-push inflation comes from the supply side. If the cost of making things rises, for example because oil becomes more expensive or a drought destroys crops, firms pass those costs on to customers.

Expectations matter too. If workers expect prices to keep rising, they ask for higher wages, and businesses raise prices to cover those wages, which can keep inflation going by itself.

Finally, over the long run, rapid growth in the money supply tends to push prices up, because more money is chasing roughly the same amount of goods. Central banks try to keep inflation low and stable, often around 2%, mainly by raising or lowering interest rates.

%%% jet_lag
%% instruction
How can I reduce jet lag on a long flight east?
%% input
%% output
Flying east is harder than flying west because you have to shorten your day, and the body clock adapts more easily to longer days. A few steps make a real difference.

Start shifting before you leave. For three or four days before the trip, go to bed and wake up about an hour earlier each day, and get bright light in the morning.

On the plane, set your watch to the destination time and behave accordingly. If it is night where you are going, try to sleep, using an eye mask and earplugs. If it is daytime there, stay awake, drink water and walk the aisle now and then. Go easy on alcohol, which makes the dry cabin air feel worse and disrupts sleep.

After you land, light is your most powerful tool. Get outside in the morning and avoid bright light in the late evening for the first few days. Keep naps under 30 minutes and before mid-afternoon. Some travellers also take a low dose of melatonin at the local bedtime; if you want to try it, ask a pharmacist or doctor first. Expect roughly one day of adjustment for each time zone crossed.

%%% cover_letter
%% instruction
What makes a strong cover letter?
%% input
%% output
A strong cover letter does something your CV cannot: it connects your experience to this particular job and shows why you want it. A few principles help.

Write it for one employer. Mention the company and the role by name and refer to something specific, such as a product they launched or a problem listed in the job ad. Generic letters are easy to spot.

Lead with your best evidence. In the first paragraph, say which job you are applying for and give one concrete achievement that matches what they need, for example that you cut customer response times by a third or managed a budget of a certain size.

Show, do not list. Pick two or three requirements from the posting and tell a short story for each, with results and numbers where you can.

Keep it to one page, use a confident but natural tone, and end with a clear next step, such as saying you would welcome the chance to discuss the role. Finally, proofread it aloud, because a single typo in a letter that claims attention to detail undermines everything else.

%%% tcp_udp
%% instruction
Explain the difference between TCP and UDP.
%% input
%% output
TCP and UDP are the two main transport protocols on the internet. They both carry data between programs on different machines, but they make very different promises.

TCP (Transmission Control Protocol) is connection-oriented and reliable. Before any data is sent, the two sides perform a handshake to set up a connection. TCP numbers every segment, waits for acknowledgements, retransmits anything that gets lost and delivers the bytes to the application in the right order. It also slows down when the network is congested. The price is extra overhead and latency. Web pages, email and file transfers use TCP because every byte must arrive intact.

UDP (User Datagram Protocol) is connectionless and much simpler. It just sends individual packets, called datagrams, with no handshake, no ordering and no retransmission. Some packets may arrive late, out of order or not at all. In exchange, UDP is fast and lightweight. Video calls, online games, live streaming and DNS lookups often use UDP, because a late packet is useless anyway and the application can tolerate or hide small losses.

%%% roman_aqueducts
%% instruction
How did Roman aqueducts carry water over long distances?
%% input
%% output
Roman aqueducts relied almost entirely on gravity. Engineers found a spring or river in the hills that sat higher than the city, then built a channel that sloped downward very gently all the way to its destination. Some aqueducts dropped only a few tens of centimetres per kilometre, so surveying had to be remarkably precise, using instruments such as the chorobates, a long levelling table.

Most of the route was not the famous stone arches at all. The channel usually ran underground or along the surface in a covered trench, which protected the water from dirt and evaporation. Arches were built only where the channel had to cross a valley while keeping its slope, as at the Pont du Gard in southern France. Where a valley was too deep for arches, engineers sometimes used inverted siphons: sealed pipes that carried water down one side and up the other under pressure.

At the city, the water flowed into distribution tanks called castella, which fed public fountains, baths and, for a fee, private houses. The water ran continuously, and the overflow helped flush the sewers.

%%% index_funds
%% instruction
Why do many people recommend index funds for beginners?
%% input
%% output
An index fund is a fund that simply buys all, or a representative sample, of the securities in a market index such as the S&P 500. Instead of paying a manager to pick winners, you own a small slice of the whole market. That design has several advantages for beginners.

First, diversification: one purchase spreads your money across hundreds of companies, so a single failure does not sink you. Second, low costs: because no one is researching individual stocks, annual fees are often below 0.1%, while actively managed funds can charge ten times as much, and fees compound against you every year. Third, decent long-term results: most active managers fail to beat their benchmark index over periods of ten years or more, after fees. Fourth, simplicity: you do not need to analyse companies or time the market, which reduces the temptation to trade on emotion.

Index funds still go down when the market falls, sometimes sharply, so they suit money you will not need for at least five years. They are a starting point, not a guarantee.

%%% braising
%% instruction
What is braising and why does it work well for tough cuts of meat?
%% input
%% output
Braising is a two-stage cooking method. First you brown the food in a little fat over high heat, then you partly cover it with liquid, such as stock, wine or tomatoes, put a lid on the pot and cook it slowly at a low temperature, either on the stove or in an oven set to around 150 °C, for several hours.

Tough cuts like beef chuck, lamb shoulder, pork shoulder or short ribs come from muscles that work hard, so they are full of connective tissue made of collagen. Cooked quickly, that collagen stays tight and chewy. Held for a long time at a gentle simmer, it slowly breaks down into gelatin, which makes the meat tender enough to pull apart with a fork and gives the sauce a rich, silky body.

The initial browning adds flavour through the Maillard reaction, and the covered pot keeps the meat moist while the liquid reduces into a sauce. As a bonus, braises usually taste even better the next day, once the flavours have had time to settle.

%%% plate_tectonics
%% instruction
Describe how earthquakes are related to plate tectonics.
%% input
%% output
The Earth's outer shell is broken into about a dozen large tectonic plates and many smaller ones. They float on the hot, slowly flowing mantle beneath and move a few centimetres a year, about as fast as fingernails grow.

Most earthquakes happen along the boundaries where plates meet. At these boundaries the rocks do not slide past each other smoothly. Friction locks them together while the plates keep moving, so stress builds up over years or centuries. When the stress finally exceeds the strength of the rock, the fault slips suddenly and releases the stored energy as seismic waves. That sudden slip is an earthquake.

The type of boundary shapes the earthquakes. At transform boundaries, such as the San Andreas Fault, plates slide sideways past each other. At convergent boundaries, one plate dives beneath another in a process called subduction, which produces the largest earthquakes on record, such as those off Chile and Japan. At divergent boundaries, like the Mid-Atlantic Ridge, plates pull apart and the earthquakes are usually smaller and shallower.

%%% python_gil
%% instruction
What is the Global Interpreter Lock in Python?
%% input
%% output
The Global Interpreter Lock, or GIL, is a mutex inside CPython, the standard Python implementation. It allows only one thread at a time to execute Python bytecode, even on a machine with many CPU cores.

The GIL exists mainly because CPython manages memory with reference counting. Every object keeps a count of how many references point to it, and updating those counts from several threads at once would require fine-grained locking everywhere. A single global lock made the interpreter simpler and kept single-threaded code fast.

The practical effect depends on your workload. For I/O-bound programs, such as web scrapers or servers waiting on the network, threads work well, because a thread releases the GIL while it waits. For CPU-bound work, such as number crunching in pure Python, threads give little or no speed-up. The usual workarounds are the multiprocessing module, which runs separate processes each with their own interpreter, or libraries like NumPy that do heavy work in C and release the GIL. Recent versions of Python also offer an experimental free-threaded build without the GIL.

%%% passive_voice
%% instruction
Explain when to use the passive voice in writing.
%% input
%% output
Most style guides tell you to prefer the active voice, where the subject performs the action: "The committee rejected the proposal." Active sentences are usually shorter, clearer and more direct. But the passive voice, where the subject receives the action ("The proposal was rejected"), is not a mistake, and there are good reasons to use it.

Use the passive when the actor is unknown or unimportant: "My bike was stolen last night." Use it when you want to keep the focus on the thing being acted upon, which is common in scientific writing: "The samples were heated to 80 °C for ten minutes." It can also help with the flow of a paragraph by keeping the same topic at the start of consecutive sentences.

Be careful when the passive hides responsibility. "Mistakes were made" avoids saying who made them, which can sound evasive. A good test is to ask whether the reader needs to know who did the action. If they do, name the actor and switch to the active voice.

%%% beginner_running
%% instruction
How should a beginner start running without getting injured?
%% input
%% output
The most common mistake new runners make is doing too much too soon. Your heart and lungs adapt within weeks, but tendons, bones and joints need months, so the plan should be built around patience.

Start with run-walk intervals. For example, alternate one minute of easy running with two minutes of walking for 20 to 30 minutes, three times a week. Each week, lengthen the running segments a little. Many couch-to-5K programs follow this pattern over eight or nine weeks.

Run slowly. You should be able to speak in full sentences; if you cannot, slow down or walk. Speed can come later.

Increase your weekly time or distance by no more than about 10% from one week to the next, and leave a rest day between runs at first. Wear shoes that feel comfortable rather than following a particular trend, and replace them when the cushioning is worn out.

Finally, listen to pain. General muscle soreness is normal, but sharp pain, pain that changes how you run, or pain that gets worse during a run is a signal to stop and rest for a few days.

%%% black_holes
%% instruction
What happens at the event horizon of a black hole?
%% input
%% output
The event horizon is the boundary around a black hole beyond which nothing, not even light, can escape. It is not a physical surface. It is the distance from the centre at which the escape velocity equals the speed of light.

For someone falling in, crossing the horizon would not feel special at that moment. For a large black hole, such as the one at the centre of our galaxy, the tidal forces at the horizon are gentle, so a falling astronaut would cross it without noticing anything local. The trouble is that once inside, every possible path leads inward toward the centre, and no amount of rocket power could turn back.

For a distant observer the picture is strange. Because gravity slows time, the falling astronaut would appear to move more and more slowly as they approached the horizon, and their light would be stretched to longer and longer wavelengths until it faded from view. The outside observer never actually sees them cross. Near a small black hole, by contrast, tidal forces would stretch an object long before it reached the horizon, a process physicists nicknamed spaghettification.

%%% budget_rule
%% instruction
Explain the 50/30/20 budgeting rule.
%% input
%% output
The 50/30/20 rule is a simple way to divide your after-tax income into three buckets.

50% goes to needs: the expenses you must pay to live and work, such as rent or mortgage payments, utilities, groceries, insurance, transport to work and minimum loan payments.

30% goes to wants: things that make life enjoyable but that you could cut if you had to, such as eating out, streaming services, hobbies, holidays and new clothes beyond the basics.

20% goes to savings and debt repayment: building an emergency fund, contributing to retirement accounts and paying off debt faster than the minimum.

For example, if you take home $3,000 a month, you would aim for about $1,500 on needs, $900 on wants and $600 on savings. The rule is a guideline, not a law. In expensive cities, needs may take up far more than half, and it is fine to adjust the split, as long as something is going to savings every month. Its real value is that it makes you look at where your money goes.

%%% moon_phases
%% instruction
Why does the Moon have phases?
%% input
%% output
The Moon does not make its own light. We see it because it reflects sunlight, and at any moment the Sun lights up exactly half of it. The phases come from how much of that sunlit half happens to face the Earth as the Moon travels around us about once every 29.5 days.

At new moon, the Moon sits roughly between the Earth and the Sun, so the lit half faces away from us and we see almost nothing. As the Moon moves along its orbit, a thin sliver of the lit side comes into view: the waxing crescent. About a week later we see half of the disc lit, which is called the first quarter. Then comes the waxing gibbous phase, and at full moon the Earth is roughly between the Sun and the Moon, so we see the whole lit face. After that the sequence runs in reverse through waning gibbous, last quarter and waning crescent.

A common misconception is that the Earth's shadow causes the phases. The Earth's shadow only falls on the Moon during a lunar eclipse, which is a rare and separate event.

%%% db_index
%% instruction
How does a database index speed up queries?
%% input
%% output
Without an index, a database answering a query like "find the customer with email X" has to read every row in the table and check it, which is called a full table scan. On a table with millions of rows, that is slow.

An index is a separate data structure that keeps the values of one or more columns in sorted order, along with pointers to the rows that contain them. Most relational databases use a B-tree for this. Because the values are sorted and the tree is shallow, the database can find any value in a handful of steps, much like you would find a word in a dictionary by jumping to the right section instead of reading from page one.

Indexes also help with sorting, range queries and joins. They are not free, though. Each index takes extra disk space, and every insert, update or delete must also update the index, which slows writes. A good practice is to index the columns you filter and join on most often, and to check the query plan, for example with EXPLAIN, to confirm the index is actually used.
"""

# Hard negatives: same topic and a similar opening as an original above, different content.
# key -> original key (the generator asserts word-5-gram Jaccard < 0.3).
HARD_NEGATIVES = r"""
%%% hn_vaccines
%% of
vaccines_immune
%% instruction
Explain how vaccines are tested before they are approved.
%% input
%% output
New vaccines go through a long, staged testing process before regulators allow them onto the market. After laboratory and animal studies, a candidate enters clinical trials in people.

Phase 1 trials involve a few dozen healthy volunteers and focus on safety and dosage. Phase 2 expands to several hundred people, including members of the groups the vaccine is meant for, and checks whether it triggers a useful immune response. Phase 3 enrols thousands or tens of thousands of participants, randomly assigned to receive either the vaccine or a placebo, so researchers can compare how many in each group get sick and spot less common side effects.

An independent board monitors the data throughout. If the results are convincing, the manufacturer submits them to agencies such as the FDA or the European Medicines Agency, which review the evidence and inspect the factories. Monitoring continues after approval, because very rare side effects only show up once millions of doses have been given.

%%% hn_git
%% of
git_merge_rebase
%% instruction
What is the difference between git fetch and git pull?
%% input
%% output
`git fetch` downloads new commits, branches and tags from a remote repository and updates your remote-tracking branches, such as `origin/main`. It does not touch your working directory or your local branches, so it is always safe to run. You can then inspect what changed with `git log main..origin/main` before deciding what to do.

`git pull` is a shortcut for `git fetch` followed by integrating the fetched changes into your current branch, by default with a merge (or a rebase if you pass `--rebase` or configure `pull.rebase`). Because it modifies your branch, it can produce merge conflicts that you must resolve immediately.

Many developers prefer to fetch first and integrate deliberately, especially on branches with uncommitted work.

%%% hn_interest
%% of
compound_interest
%% instruction
Explain simple interest to someone taking out their first loan.
%% input
%% output
With simple interest, the lender charges interest only on the original amount you borrowed, called the principal. The formula is short: interest = principal × rate × time.

Say you borrow $2,000 at 6% simple interest for three years. Each year the interest is 6% of $2,000, which is $120. Over three years you pay $360 in interest, so you repay $2,360 in total.

Car loans and some personal loans work roughly like this, though payments are usually spread monthly. Before signing, compare the annual percentage rate, check for origination fees and ask whether you can repay early without a penalty.

%%% hn_sourdough
%% of
sourdough_starter
%% instruction
How do I keep a sourdough starter alive while I am on vacation?
%% input
%% output
A healthy starter can survive two or three weeks in the fridge without any attention. The day before you leave, feed it with a slightly stiffer mix than usual, for example 1 part starter, 5 parts flour and 4 parts water, let it sit at room temperature for an hour and then refrigerate it with the lid on.

When you get back, pour off any grey liquid, take a spoonful and feed it normally for two or three days at room temperature until it doubles reliably again.

For longer trips, smear a thin layer on baking paper, let it dry completely, crumble the flakes and store them in an airtight jar. Dried starter keeps for months and revives with water and fresh flour.

%%% hn_http
%% of
tcp_udp
%% instruction
Explain the difference between HTTP and HTTPS.
%% input
%% output
HTTP is the protocol your browser uses to request web pages from servers. On its own it sends everything in plain text, so anyone on the same network path, such as a public Wi-Fi operator, can read or even alter the pages, passwords and form data travelling back and forth.

HTTPS is HTTP sent through an encrypted TLS connection. Before any page is exchanged, the server presents a certificate signed by a trusted authority, proving it really owns the domain, and the two sides agree on encryption keys. After that, eavesdroppers see only scrambled data.

Browsers now mark plain HTTP sites as "not secure", and services like Let's Encrypt issue certificates for free, so there is little reason for any site to skip HTTPS.

%%% hn_respiration
%% of
photosynthesis
%% instruction
Explain how cellular respiration works in plain language.
%% input
%% output
Cellular respiration is how living cells release the energy stored in food. Plants, animals and fungi all do it, all the time.

It starts in the cytoplasm, where a glucose molecule is split into two smaller molecules in a step called glycolysis, producing a small amount of usable energy. Those pieces move into the mitochondria, often called the power stations of the cell. There, a cycle of chemical reactions strips off electrons, and a chain of proteins in the mitochondrial membrane uses them to pump particles across the membrane, a bit like water building up behind a dam. As the particles flow back, they drive an enzyme that makes ATP, the molecule cells use as an energy currency.

Oxygen waits at the end of the chain to collect the spent electrons, forming water. That is why we need to breathe, and why we breathe out carbon dioxide, which is left over from the broken-down sugar.
"""

# Near duplicates: edited copies of long originals.  Each edit is one of
#   ("sub", old, new)        replace the first occurrence of ``old`` in the output
#   ("ins", anchor, text)    insert " " + text right after ``anchor`` in the output
#   ("del", text)            delete ``text`` (a whole sentence plus its leading space)
#   ("instr", old, new)      replace text in the instruction
# The generator asserts word-5-gram Jaccard >= 0.8 against the original record.
NEAR_DUP_EDITS: list[tuple[str, list[tuple[str, ...]]]] = [
    (
        "photosynthesis",
        [
            ("instr", "in plain language", "in simple terms"),
            ("sub", "tiny structures", "microscopic structures"),
        ],
    ),
    (
        "compound_interest",
        [
            (
                "ins",
                "picking up more snow.",
                "It is one of the most useful ideas in personal finance.",
            )
        ],
    ),
    (
        "printing_press",
        [
            (
                "del",
                " Standardised printed texts even helped fix the spelling and grammar of national languages.",
            )
        ],
    ),
    (
        "sleep_advice",
        [
            ("sub", "Around 18 °C suits most people.", "Around 17 to 19 °C suits most people."),
            ("sub", "are cheap fixes", "are inexpensive fixes"),
        ],
    ),
    (
        "inflation",
        [
            ("instr", "What causes inflation?", "What are the causes of inflation?"),
            (
                "del",
                " This often follows periods of strong growth, low interest rates or large government spending.",
            ),
        ],
    ),
    (
        "jet_lag",
        [
            (
                "ins",
                "get bright light in the morning.",
                "Book a flight that lands in the early evening if you can.",
            )
        ],
    ),
    (
        "tcp_udp",
        [("sub", "Web pages, email and file transfers", "Websites, email and file downloads")],
    ),
    (
        "roman_aqueducts",
        [
            ("sub", "remarkably precise", "extremely precise"),
            ("del", " The water ran continuously, and the overflow helped flush the sewers."),
        ],
    ),
    (
        "braising",
        [
            (
                "ins",
                "with a fork and gives the sauce a rich, silky body.",
                "Lean cuts such as chicken breast do not benefit in the same way and tend to dry out.",
            )
        ],
    ),
    (
        "plate_tectonics",
        [
            (
                "sub",
                "about as fast as fingernails grow",
                "roughly the speed at which fingernails grow",
            )
        ],
    ),
    (
        "python_gil",
        [
            (
                "instr",
                "What is the Global Interpreter Lock in Python?",
                "What is Python's Global Interpreter Lock?",
            ),
            ("sub", "number crunching in pure Python", "heavy calculations in pure Python"),
        ],
    ),
    (
        "black_holes",
        [("del", " It is not a physical surface.")],
    ),
]

# ---------------------------------------------------------------------------------------------
# instructions.jsonl: shorter clean records of many kinds.
# ---------------------------------------------------------------------------------------------
INSTRUCTIONS_CLEAN = r'''
%%% wine_stain
%% instruction
How do I remove a red wine stain from a cotton shirt?
%% input
%% output
Act quickly and avoid hot water, which can set the stain.

1. Blot, do not rub, with a paper towel to soak up as much wine as possible.
2. Rinse the back of the stain under cold running water to push the wine out of the fibres.
3. Cover the spot with a paste of baking soda and a little water, or with a few drops of liquid dish soap mixed with hydrogen peroxide (test peroxide on a hidden seam first if the shirt is coloured).
4. Leave it for 15 to 30 minutes, then rinse again.
5. Wash as usual and let it air-dry. Check the spot before putting the shirt in a dryer, since heat will make any remaining stain permanent.

%%% flat_tire
%% instruction
Walk me through changing a flat tire on a car.
%% input
%% output
1. Pull over somewhere flat and safe, switch on your hazard lights and apply the parking brake.
2. Get out the spare, the jack and the lug wrench. Your owner's manual shows where they are stored.
3. Loosen each lug nut about half a turn while the wheel is still on the ground.
4. Place the jack under the jacking point nearest the flat tire and raise the car until the tire is a few centimetres off the ground.
5. Remove the lug nuts completely and pull the wheel off.
6. Mount the spare, then screw the nuts on by hand.
7. Lower the car until the tire touches the ground, then tighten the nuts firmly in a star pattern.
8. Lower the car fully and check the spare's pressure as soon as you can. Most compact spares are limited to about 80 km/h, so get the flat repaired or replaced soon.

%%% interview_tips
%% instruction
Give me three tips for my first job interview.
%% input
%% output
1. Research the company. Read its website and recent news so you can explain why you want to work there, not just why you want a job.
2. Prepare stories, not slogans. For common questions like "Tell me about a challenge you faced," have two or three short examples ready that describe the situation, what you did and the result.
3. Ask questions at the end. Something like "What does a successful first six months look like in this role?" shows you are thinking about doing the job well.

%%% cups_to_grams
%% instruction
How do I convert a baking recipe from cups to grams?
%% input
%% output
There is no single conversion factor, because a cup measures volume and grams measure weight, and different ingredients have different densities. Use a reference for each ingredient. Common approximate values for one US cup are:

- All-purpose flour: 120-125 g
- Granulated sugar: 200 g
- Brown sugar, packed: 220 g
- Butter: 227 g
- Rolled oats: 90 g
- Water or milk: 240 g

Multiply the number of cups in the recipe by the value for that ingredient. For the most consistent results, weigh ingredients with a digital kitchen scale rather than measuring by volume.

%%% hiking_pack
%% instruction
What should I pack for a three-day hiking trip?
%% input
%% output
For a three-day trip with two nights of camping, a good checklist is:

Shelter and sleep: tent, sleeping bag rated for the expected night temperature, sleeping pad.
Clothing: moisture-wicking base layers, an insulating layer such as a fleece, a waterproof jacket, hiking socks (plus a spare pair), a warm hat and sun hat.
Food and water: easy meals and snacks for three days plus one extra day, a water filter or purification tablets, bottles or a hydration bladder, a small stove and fuel.
Navigation and safety: paper map and compass, a charged phone with offline maps, headlamp, first-aid kit, whistle, sunscreen and insect repellent.
Other: multi-tool, lighter, trash bag to pack out rubbish, and toilet paper with a small trowel.

Tell someone your route and expected return time before you leave.

%%% decline_meeting
%% instruction
Write a short, polite email declining a meeting invitation.
%% input
%% output
Subject: Re: Project sync on Thursday

Hi Daniel,

Thanks for including me in Thursday's sync. Unfortunately I have a conflicting commitment at that time and will not be able to join.

Could you share the notes afterwards? If there is anything you need from me before then, I am happy to send a short written update.

Best regards,
Sam

%%% houseplants
%% instruction
My houseplants keep dying. What am I probably doing wrong?
%% input
%% output
The most common cause by far is overwatering. Roots need air as well as water, and soil that stays soggy makes them rot. Water only when the top two or three centimetres of soil are dry, and make sure every pot has a drainage hole.

Other frequent problems:
- Wrong light. Succulents and cacti want a bright window; ferns and calatheas prefer indirect light.
- Pots that are too big. Extra soil holds extra water that the roots cannot use.
- Dry air near radiators, which browns the leaf tips of tropical plants.
- Never fertilising. A diluted liquid feed once a month in spring and summer helps.

Start with hardy plants like pothos, snake plants or ZZ plants while you learn.

%%% formal_tone
%% instruction
Rewrite the following message in a more formal tone.
%% input
hey, can't make it tmrw, something came up. can we do thurs instead??
%% output
Hello, unfortunately I will not be able to attend tomorrow because something unexpected has come up. Would it be possible to reschedule for Thursday instead?

%%% make_concise
%% instruction
Make this paragraph more concise without losing any information.
%% input
In order to be able to make sure that all of the members of the team are kept informed about the progress of the project, we have made the decision to hold a meeting on a weekly basis, which will take place every Monday morning at 9 a.m.
%% output
To keep the whole team informed of the project's progress, we will meet every Monday at 9 a.m.

%%% fix_grammar
%% instruction
Correct the grammar in this sentence.
%% input
Me and him goes to the store yesterday and buyed three apple.
%% output
He and I went to the store yesterday and bought three apples.

%%% to_passive
%% instruction
Convert the sentence to the passive voice.
%% input
The committee approved the new budget on Monday.
%% output
The new budget was approved by the committee on Monday.

%%% explain_kid_dna
%% instruction
Rewrite this explanation so that a ten-year-old could understand it.
%% input
Deoxyribonucleic acid is a molecule composed of two polynucleotide chains that coil around each other to form a double helix carrying genetic instructions for the development, functioning, growth and reproduction of all known organisms.
%% output
DNA is like a tiny instruction book inside every living thing. It is shaped like a twisted ladder, and the order of the pieces on the ladder tells your body how to grow, how to work and what you will look like.

%%% notes_to_paragraph
%% instruction
Turn these notes into a short paragraph.
%% input
- new café opened on Elm Street last week
- owners are two sisters from Porto
- Portuguese custard tarts, strong coffee
- queue out the door on Saturday
- open 7am to 4pm, closed Mondays
%% output
A new café opened on Elm Street last week, run by two sisters from Porto. It specialises in Portuguese custard tarts and strong coffee, and by Saturday the queue was already stretching out the door. The café is open from 7 a.m. to 4 p.m. every day except Monday.

%%% headline_clickbait
%% instruction
Rewrite this headline so it is informative rather than clickbait.
%% input
You Won't BELIEVE What Scientists Just Found at the Bottom of the Ocean!
%% output
Scientists Discover New Species of Deep-Sea Coral Off the Coast of Chile

%%% translate_es
%% instruction
Translate the following sentence into Spanish.
%% input
Where is the nearest train station?
%% output
¿Dónde está la estación de tren más cercana?

%%% translate_fr
%% instruction
Translate this sentence into French.
%% input
We would like a table for four by the window, please.
%% output
Nous voudrions une table pour quatre près de la fenêtre, s'il vous plaît.

%%% translate_de
%% instruction
Translate into German: "The museum is closed on Mondays."
%% input
%% output
Das Museum ist montags geschlossen.

%%% sentiment_negative
%% instruction
Classify the sentiment of this product review as positive, negative or neutral.
%% input
The battery died after two days and customer support never answered my emails.
%% output
Negative

%%% sentiment_positive
%% instruction
What is the sentiment of the following review?
%% input
Honestly the best ramen I've had outside Japan. The broth was rich, the staff were lovely, and we'll definitely be back.
%% output
Positive. The reviewer praises the food and the staff and says they plan to return.

%%% fruit_veg
%% instruction
Sort these items into fruits and vegetables.
%% input
carrot, mango, spinach, blueberry, broccoli, pear
%% output
Fruits: mango, blueberry, pear
Vegetables: carrot, spinach, broccoli

%%% spam_or_not
%% instruction
Is the following email spam or not spam? Answer with one word.
%% input
Congratulations!!! You have been selected to receive a $1000 gift card. Claim your prize now by confirming your bank details.
%% output
Spam

%%% part_of_speech
%% instruction
What part of speech is the word "quickly" in the sentence below?
%% input
She quickly finished her homework before dinner.
%% output
"Quickly" is an adverb. It modifies the verb "finished" and describes how she finished her homework.

%%% animal_classes
%% instruction
Classify each animal as a mammal, bird or reptile.
%% input
dolphin, penguin, iguana, bat, ostrich, tortoise
%% output
- Dolphin: mammal
- Penguin: bird
- Iguana: reptile
- Bat: mammal
- Ostrich: bird
- Tortoise: reptile

%%% fact_opinion
%% instruction
Is this statement a fact or an opinion? Explain briefly.
%% input
Paris is the most beautiful city in Europe.
%% output
It is an opinion. "Most beautiful" is a personal judgement that cannot be proven or measured, even though many people might agree with it.

%%% headline_topic
%% instruction
Assign one topic to each headline: sports, politics, technology or business.
%% input
1. Parliament passes new housing bill after late-night vote
2. Chipmaker unveils processor with twice the battery life
3. Underdog side wins the cup on penalties
4. Retail giant reports record holiday profits
%% output
1. Politics
2. Technology
3. Sports
4. Business

%%% summarize_bees
%% instruction
Summarize the following paragraph in one sentence.
%% input
Honeybees communicate the location of food through a behaviour known as the waggle dance. A forager returning to the hive runs in a figure-eight pattern, waggling her body during the straight middle section. The direction of that straight run relative to vertical indicates the direction of the flowers relative to the sun, while the length of the waggle tells the other bees how far away they are.
%% output
Honeybees use the waggle dance, a figure-eight movement whose angle and duration signal the direction and distance of food, to tell their hive-mates where to find flowers.

%%% extract_cities
%% instruction
List all the cities mentioned in the text.
%% input
Our tour started in Lisbon, continued by train to Porto, and then we flew to Barcelona before finishing the trip with two nights in Marseille.
%% output
Lisbon, Porto, Barcelona, Marseille

%%% title_passage
%% instruction
Suggest a title for this passage.
%% input
For centuries, sailors relied on the stars to find their way across open water. Polynesian navigators memorised the rising and setting points of dozens of stars and read the swells of the ocean to cross thousands of kilometres of the Pacific without instruments.
%% output
"Reading the Sky and the Sea: How Polynesian Navigators Crossed the Pacific"

%%% list_ingredients
%% instruction
List the ingredients mentioned in this recipe step.
%% input
Whisk the eggs with the milk and a pinch of salt, then pour the mixture over the sautéed onions and grated cheddar in the pan.
%% output
- Eggs
- Milk
- Salt
- Onions
- Cheddar cheese

%%% capital_australia
%% instruction
What is the capital of Australia?
%% input
%% output
The capital of Australia is Canberra. Many people guess Sydney or Melbourne, but Canberra was purpose-built as a compromise between those two rival cities and became the seat of government in 1927.

%%% primary_colors
%% instruction
Name the three primary colours of light.
%% input
%% output
Red, green and blue. Mixing them in different amounts produces the colours you see on screens, and combining all three at full strength gives white.

%%% pride_prejudice
%% instruction
Who wrote Pride and Prejudice?
%% input
%% output
Jane Austen wrote Pride and Prejudice. It was first published in 1813.

%%% synonyms_happy
%% instruction
Give me five synonyms for "happy".
%% input
%% output
Cheerful, content, joyful, delighted, glad.

%%% bakery_names
%% instruction
Suggest some names for a small bakery that specialises in bread.
%% input
%% output
- The Daily Crumb
- Rise & Crust
- Flour Hour
- The Loaf Line
- Second Proof
- Hearth & Grain

%%% haiku_rain
%% instruction
Write a haiku about autumn rain.
%% input
%% output
Cold rain on the roof,
red leaves loosen one by one,
the kettle starts to sing.

%%% bottle_description
%% instruction
Write a short product description for a stainless steel water bottle.
%% input
%% output
Keep your drinks cold for 24 hours or hot for 12 with this double-walled stainless steel bottle. The leak-proof lid fits in one hand, the powder-coated finish will not slip when your hands are wet, and the 750 ml size slides into most cup holders and backpack pockets. It is free of BPA, easy to clean, and built to replace hundreds of single-use plastic bottles.

%%% lisbon_itinerary
%% instruction
Suggest a three-day itinerary for a first visit to Lisbon.
%% input
%% output
Day 1: Historic centre. Start in Baixa and Praça do Comércio, ride the vintage tram 28 up to Alfama, visit São Jorge Castle for the view, and end the day at a fado bar in Alfama.

Day 2: Belém. Take the tram or train west to see the Jerónimos Monastery and the Belém Tower, and queue for pastéis de Belém. In the afternoon visit the MAAT museum by the river, then have dinner in Cais do Sodré.

Day 3: Day trip to Sintra. Catch the train from Rossio station to explore Pena Palace and the Moorish Castle. Wear good shoes, since the paths are steep. Back in Lisbon, watch the sunset from the Miradouro da Senhora do Monte.

%%% fiber_benefits
%% instruction
What are the health benefits of eating more fibre?
%% input
%% output
Fibre is the part of plant foods your body cannot digest, and it does a lot of good on its way through:

- It keeps bowel movements regular and helps prevent constipation.
- Soluble fibre, found in oats, beans and apples, can lower LDL cholesterol.
- It slows the absorption of sugar, which helps keep blood glucose steadier.
- High-fibre meals are more filling, which can help with weight management.
- It feeds beneficial gut bacteria.

Most adults should aim for around 25 to 30 grams a day. Increase your intake gradually and drink enough water to avoid bloating.

%%% mortgage
%% instruction
What is a mortgage?
%% input
%% output
A mortgage is a loan used to buy property, where the property itself serves as security for the loan. You usually pay a deposit up front and borrow the rest from a bank, then repay the loan plus interest in monthly instalments over a long period, often 25 or 30 years. If you stop making payments, the lender can take possession of the home and sell it to recover the money, which is called foreclosure or repossession.

%%% weather_climate
%% instruction
What is the difference between weather and climate?
%% input
%% output
Weather is what the atmosphere is doing right now or over the next few days: today's temperature, rain, wind and cloud. Climate is the average pattern of weather in a place over a long period, usually 30 years or more. A cold week in July is weather; the fact that July is usually the warmest month where you live is climate. As one saying puts it, climate is what you expect, weather is what you get.

%%% onions_cry
%% instruction
Why do onions make you cry?
%% input
%% output
When you cut an onion you break open its cells, which releases enzymes that turn sulfur compounds into a volatile gas called syn-propanethial-S-oxide. The gas drifts up to your eyes, where it irritates the nerves in the cornea, and your tear glands respond by flushing it away. Chilling the onion first, using a very sharp knife and cutting the root end last all reduce the effect.

%%% jammy_egg
%% instruction
How long should I boil an egg for a jammy yolk?
%% input
%% output
For a large egg taken straight from the fridge, lower it into already boiling water and cook for 6 and a half to 7 minutes, then move it straight into ice water for a few minutes to stop the cooking. The white will be set and the yolk thick and glossy in the middle. Add 30 seconds for extra-large eggs, or take off 30 seconds if they start at room temperature.

%%% water_cycle
%% instruction
Describe the water cycle in a few sentences.
%% input
%% output
The Sun heats water in oceans, lakes and rivers, and some of it evaporates into water vapour. Plants also release vapour from their leaves. As the vapour rises it cools and condenses into tiny droplets that form clouds. When the droplets combine and grow heavy, they fall as rain, snow or hail. The water then flows over the land into rivers or soaks into the ground, eventually returning to the sea, and the cycle starts again.

%%% ww1_causes
%% instruction
What were the main causes of the First World War?
%% input
%% output
Historians often summarise the long-term causes with the acronym MAIN:

- Militarism: the great powers built up huge armies and navies, and Britain and Germany raced to build battleships.
- Alliances: Europe was split into two blocs, the Triple Entente (France, Russia, Britain) and the Triple Alliance (Germany, Austria-Hungary, Italy), so a local conflict could quickly drag everyone in.
- Imperialism: rivalry over colonies and trade bred mistrust.
- Nationalism: national pride and independence movements, especially in the Balkans, created tension.

The immediate trigger was the assassination of Archduke Franz Ferdinand of Austria-Hungary in Sarajevo in June 1914. Austria-Hungary's ultimatum to Serbia set the alliance system in motion, and within weeks most of Europe was at war.

%%% ada_lovelace
%% instruction
Who was Ada Lovelace?
%% input
%% output
Ada Lovelace (1815-1852) was an English mathematician and the daughter of the poet Lord Byron. She worked with Charles Babbage on his proposed mechanical computer, the Analytical Engine. In her notes on the machine she described an algorithm to calculate Bernoulli numbers, which is often called the first computer program, and she suggested that such machines might one day manipulate symbols and even compose music, not just do arithmetic.

%%% credit_score
%% instruction
What does a credit score measure?
%% input
%% output
A credit score is a number that estimates how likely you are to repay borrowed money on time. Lenders use it to decide whether to approve you and what interest rate to charge. In the common FICO model, the main factors are your payment history, how much of your available credit you are using, the length of your credit history, the mix of credit types you have and how many new accounts you have recently applied for. Paying every bill on time and keeping card balances low have the biggest positive effect.

%%% limerick_cat
%% instruction
Write a limerick about a cat who loves cardboard boxes.
%% input
%% output
A tabby named Tom from Dundee
Ignored every toy bought for free.
He'd sit in a box
With his tail round his socks,
As smug as a cat-king could be.

%%% icebreakers
%% instruction
Give me some icebreaker questions for a remote team meeting.
%% input
%% output
- What is something on your desk that has a story behind it?
- If you could instantly master one skill, what would it be?
- What was your first job?
- What is the best thing you have eaten this month?
- Which fictional world would you most like to live in for a week?
- What is a small thing that made you happy recently?

%%% romeo_juliet
%% instruction
Summarize the plot of Romeo and Juliet in three sentences.
%% input
%% output
In Verona, Romeo and Juliet, teenagers from two feuding families, the Montagues and the Capulets, fall in love and marry in secret. After Romeo kills Juliet's cousin Tybalt in a street fight, he is banished, and Juliet fakes her death with a sleeping potion to escape an arranged marriage. Romeo, not knowing about the plan, believes she is truly dead and poisons himself, and when Juliet wakes to find him dead she stabs herself, finally bringing the two families to reconcile.

%%% baking_soda_powder
%% instruction
What's the difference between baking soda and baking powder?
%% input
%% output
Baking soda is pure sodium bicarbonate. It needs an acidic ingredient in the recipe, such as buttermilk, yogurt, lemon juice or brown sugar, to react and release carbon dioxide. Baking powder is baking soda that already contains a powdered acid (and usually some starch), so it only needs moisture and heat to work. Baking soda is about three to four times stronger, so you cannot swap one for the other one-to-one.

%%% refrigerator
%% instruction
How does a refrigerator keep food cold?
%% input
%% output
A fridge does not create cold; it moves heat from inside the box to the outside. A refrigerant fluid circulates through a closed loop. Inside the fridge, the refrigerant evaporates in coils, absorbing heat from the air as it turns into a gas. A compressor then squeezes that gas, which makes it hot, and pumps it through the coils on the back or bottom of the fridge, where it releases its heat into the kitchen and condenses back into a liquid. The liquid passes through an expansion valve, which drops its pressure and temperature, and the cycle repeats.

%%% metaphor_example
%% instruction
Give an example of a metaphor and explain what it means.
%% input
%% output
Example: "Time is a thief."

The sentence does not mean that time literally steals things. It compares time to a thief to suggest that time quietly takes things from us, such as youth, opportunities and moments we did not notice slipping away. Unlike a simile, a metaphor makes the comparison directly, without "like" or "as".

%%% thank_you_neighbour
%% instruction
Write a short thank-you note to a neighbour who watered my plants while I was away.
%% input
%% output
Dear Helen,

Thank you so much for looking after my plants while I was away. I came home to a very happy balcony, and even the fussy fern survived! I really appreciate you taking the time. Please let me know if I can ever return the favour. I have brought you back a little something from the trip.

Warmly,
Priya

%%% learn_language
%% instruction
What are some tips for learning a new language as an adult?
%% input
%% output
- Practise a little every day. Fifteen minutes daily beats two hours once a week.
- Learn the most common words first. The top thousand words cover a large share of everyday conversation.
- Use spaced repetition flashcards for vocabulary.
- Listen a lot, even if you only understand part of it: podcasts, series with subtitles in the target language, music.
- Speak early. Find a tutor or a language exchange partner and accept that you will make mistakes.
- Connect it to your interests, for example by reading about your hobby in the new language.

%%% api_analogy
%% instruction
Explain what an API is using an analogy.
%% input
%% output
Think of a restaurant. You, the customer, want food from the kitchen, but you do not walk in and start cooking. Instead you read the menu, tell the waiter what you want, and the waiter brings back your dish.

An API (application programming interface) is the waiter plus the menu. The menu lists what you can ask for and how to ask for it; the waiter carries your request to the kitchen, which is another program or service, and returns the result. You never need to know how the kitchen works inside.

%%% store_herbs
%% instruction
What's the best way to store fresh herbs?
%% input
%% output
It depends on the herb. Soft herbs like parsley, coriander and mint keep best like a bouquet: trim the stems, stand them in a glass with a little water, cover loosely with a plastic bag and keep them in the fridge. Basil is the exception; keep it in water at room temperature, because cold turns its leaves black. Hardy herbs such as rosemary, thyme and sage do better wrapped in a slightly damp paper towel inside a container in the fridge.

%%% great_wall
%% instruction
Why is the Great Wall of China so long?
%% input
%% output
The Great Wall is not a single wall built at one time. It is a network of walls, trenches and natural barriers built and rebuilt by many dynasties over about two thousand years, from the 7th century BC to the Ming dynasty in the 17th century. Each state or dynasty fortified its own northern frontier against nomadic peoples from the steppe, and those sections were later linked and extended. Counting all the branches, a Chinese survey measured more than 21,000 kilometres of wall.

%%% pythagoras
%% instruction
What is the Pythagorean theorem?
%% input
%% output
In a right-angled triangle, the square of the length of the hypotenuse (the side opposite the right angle) equals the sum of the squares of the other two sides: a² + b² = c². For example, a triangle with sides 3 and 4 has a hypotenuse of 5, because 9 + 16 = 25.

%%% reverse_words
%% instruction
Write a Python function that reverses the order of words in a sentence.
%% input
%% output
```python
def reverse_words(sentence: str) -> str:
    """Return the sentence with its words in reverse order."""
    return " ".join(reversed(sentence.split()))


print(reverse_words("the quick brown fox"))  # fox brown quick the
```

`split()` with no arguments splits on any run of whitespace and ignores leading and trailing spaces, so the result always has single spaces between words.

%%% sql_top_customers
%% instruction
Write a SQL query that returns the five customers with the highest total order amount.
%% input
Tables: customers(id, name), orders(id, customer_id, amount)
%% output
```sql
SELECT c.id, c.name, SUM(o.amount) AS total_spent
FROM customers AS c
JOIN orders AS o ON o.customer_id = c.id
GROUP BY c.id, c.name
ORDER BY total_spent DESC
LIMIT 5;
```

%%% js_debounce
%% instruction
Write a debounce function in JavaScript.
%% input
%% output
```javascript
function debounce(fn, delay) {
  let timer = null;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), delay);
  };
}

// Usage: only search 300 ms after the user stops typing.
const onInput = debounce((event) => search(event.target.value), 300);
searchBox.addEventListener("input", onInput);
```

Each call cancels the pending timer and starts a new one, so `fn` runs once, after the calls have stopped for `delay` milliseconds.

%%% explain_code
%% instruction
Explain what this code does.
%% input
words = ["apple", "kiwi", "banana", "fig"]
lengths = {w: len(w) for w in words if len(w) > 3}
%% output
It builds a dictionary comprehension that maps each word to its length, but only for words longer than three characters. "fig" has three letters and is skipped, so `lengths` becomes `{"apple": 5, "kiwi": 4, "banana": 6}`.

%%% fix_bug
%% instruction
Find and fix the bug in this function.
%% input
def average(values):
    total = 0
    for i in range(1, len(values)):
        total += values[i]
    return total / len(values)
%% output
The loop starts at index 1, so the first element is never added to the total. Iterate over the values directly, and guard against an empty list:

```python
def average(values):
    if not values:
        raise ValueError("average() of an empty list")
    return sum(values) / len(values)
```

%%% bash_count_lines
%% instruction
Give me a shell command that counts the total number of lines in all Python files in a project.
%% input
%% output
```bash
find . -name "*.py" -not -path "./.venv/*" -print0 | xargs -0 cat | wc -l
```

`find` lists every `.py` file while skipping the virtual environment, `-print0` and `xargs -0` handle file names with spaces, and `wc -l` counts the lines of everything concatenated.

%%% regex_zip
%% instruction
Write a regular expression that matches a US ZIP code, with or without the four-digit extension.
%% input
%% output
```
^\d{5}(-\d{4})?$
```

`\d{5}` matches the five-digit code, and the optional group `(-\d{4})?` matches a hyphen followed by four more digits, as in ZIP+4 codes. The anchors `^` and `$` make sure nothing else is on the line.

%%% csv_average
%% instruction
Write Python code that reads a CSV file and prints the average of the "price" column.
%% input
%% output
```python
import csv

with open("products.csv", newline="", encoding="utf-8") as f:
    prices = [float(row["price"]) for row in csv.DictReader(f) if row["price"]]

if prices:
    print(f"Average price: {sum(prices) / len(prices):.2f}")
else:
    print("No prices found.")
```

%%% flatten_list
%% instruction
Write a Python function that flattens an arbitrarily nested list.
%% input
%% output
```python
def flatten(items):
    """Yield the non-list elements of a nested list, depth first."""
    for item in items:
        if isinstance(item, list):
            yield from flatten(item)
        else:
            yield item


print(list(flatten([1, [2, [3, 4]], [], 5])))  # [1, 2, 3, 4, 5]
```

%%% go_json_handler
%% instruction
Write a minimal Go HTTP handler that responds with a JSON status message.
%% input
%% output
```go
package main

import (
	"encoding/json"
	"log"
	"net/http"
)

func statusHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
}

func main() {
	http.HandleFunc("/status", statusHandler)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
```

%%% binary_search_complexity
%% instruction
What is the time complexity of binary search, and why?
%% input
%% output
Binary search runs in O(log n) time. Each comparison with the middle element lets it discard half of the remaining range, so after k steps only n / 2^k elements are left. The search ends when one element remains, which happens after about log2(n) steps. For a sorted list of a million items, that is only about 20 comparisons. It requires the data to be sorted and to support fast random access.

%%% loop_to_comprehension
%% instruction
Convert this loop into a list comprehension.
%% input
squares = []
for n in range(10):
    if n % 2 == 0:
        squares.append(n * n)
%% output
```python
squares = [n * n for n in range(10) if n % 2 == 0]
```

%%% book_dataclass
%% instruction
Create a Python dataclass to represent a book in a library catalogue.
%% input
%% output
```python
from dataclasses import dataclass, field


@dataclass
class Book:
    title: str
    author: str
    isbn: str
    year: int
    tags: list[str] = field(default_factory=list)
    available: bool = True

    def checkout(self) -> None:
        if not self.available:
            raise RuntimeError(f"{self.title!r} is already checked out")
        self.available = False
```

`field(default_factory=list)` gives every book its own tag list instead of one shared mutable default.

%%% css_center
%% instruction
How do I center a div horizontally and vertically with CSS?
%% input
%% output
The simplest modern way is flexbox on the parent:

```css
.parent {
  display: flex;
  justify-content: center; /* horizontal */
  align-items: center;     /* vertical */
  min-height: 100vh;
}
```

Alternatively, `display: grid; place-items: center;` on the parent does the same in one line.

%%% git_stash
%% instruction
What does git stash do?
%% input
%% output
`git stash` takes your uncommitted changes, both staged and unstaged, saves them on a stack, and resets your working directory to match the last commit. It is handy when you need to switch branches quickly without committing half-finished work. Later, `git stash pop` reapplies the most recent stash and removes it from the stack, while `git stash list` shows everything you have saved.

%%% math_bakery
%% instruction
A bakery sells muffins for $3 each and cookies for $1.50 each. Priya buys 4 muffins and 6 cookies. How much does she spend?
%% input
%% output
The muffins cost 4 × $3 = $12.
The cookies cost 6 × $1.50 = $9.
Altogether she spends $12 + $9 = $21.
#### 21

%%% math_train
%% instruction
A train travels 180 miles in 3 hours. At the same speed, how far will it travel in 5 hours?
%% input
%% output
The train's speed is 180 ÷ 3 = 60 miles per hour.
In 5 hours it travels 60 × 5 = 300 miles.
#### 300

%%% math_stickers
%% instruction
Marcus has 48 stickers. He gives a quarter of them to his sister and then buys 15 more. How many stickers does he have now?
%% input
%% output
A quarter of 48 is 48 ÷ 4 = 12, so he gives away 12 stickers.
He has 48 - 12 = 36 left.
After buying 15 more, he has 36 + 15 = 51 stickers.
#### 51

%%% math_fence
%% instruction
A rectangular garden is 12 meters long and 7 meters wide. Fencing costs $9 per meter. How much will it cost to fence the whole garden?
%% input
%% output
The perimeter is 2 × (12 + 7) = 2 × 19 = 38 meters.
The fencing costs 38 × $9 = $342.
#### 342

%%% math_reading
%% instruction
Lena reads 25 pages every weekday and 40 pages on each day of the weekend. How many pages does she read in two weeks?
%% input
%% output
On weekdays she reads 5 × 25 = 125 pages a week.
On the weekend she reads 2 × 40 = 80 pages.
That makes 125 + 80 = 205 pages per week.
In two weeks she reads 2 × 205 = 410 pages.
#### 410

%%% math_jacket
%% instruction
A jacket costs $80. It is on sale for 25% off, and then a 10% sales tax is added to the sale price. What is the final price?
%% input
%% output
The discount is 25% of $80 = $20, so the sale price is $80 - $20 = $60.
The tax is 10% of $60 = $6.
The final price is $60 + $6 = $66.
#### 66

%%% math_students
%% instruction
There are 30 students in a class. 40% of them walk to school, one third take the bus, and the rest are driven by their parents. How many students are driven to school?
%% input
%% output
Students who walk: 40% of 30 = 12.
Students who take the bus: 30 ÷ 3 = 10.
Students who are driven: 30 - 12 - 10 = 8.
#### 8

%%% math_tank
%% instruction
A water tank holds 1,200 liters and is currently 35% full. How many more liters are needed to fill it?
%% input
%% output
The tank now contains 35% of 1,200 = 0.35 × 1,200 = 420 liters.
To fill it, we need 1,200 - 420 = 780 more liters.
#### 780

%%% math_ages
%% instruction
Tom is three times as old as his daughter. In 12 years, he will be twice as old as she will be then. How old is Tom now?
%% input
%% output
Let the daughter's age be d, so Tom is 3d.
In 12 years: 3d + 12 = 2(d + 12).
Expanding gives 3d + 12 = 2d + 24, so d = 12.
Tom is 3 × 12 = 36 years old.
#### 36

%%% math_pancakes
%% instruction
A recipe needs 2.5 cups of flour to make 20 pancakes. How many cups of flour are needed for 50 pancakes?
%% input
%% output
Each pancake needs 2.5 ÷ 20 = 0.125 cups of flour.
For 50 pancakes: 50 × 0.125 = 6.25 cups.
#### 6.25

%%% math_savings
%% instruction
Ana earns $18 an hour and works 7 hours a day, 5 days a week. She saves one fifth of her weekly pay. How much does she save in 4 weeks?
%% input
%% output
She earns 18 × 7 = $126 per day.
Per week she earns 126 × 5 = $630.
She saves 630 ÷ 5 = $126 each week.
In 4 weeks she saves 126 × 4 = $504.
#### 504

%%% math_farm
%% instruction
A farmer has only chickens and goats. Together they have 20 heads and 56 legs. How many goats does the farmer have?
%% input
%% output
Let g be the number of goats, so there are 20 - g chickens.
Legs: 4g + 2(20 - g) = 56.
That gives 4g + 40 - 2g = 56, so 2g = 16 and g = 8.
The farmer has 8 goats (and 12 chickens).
#### 8

%%% math_phone_plan
%% instruction
A phone plan costs $35 per month plus $0.10 for each text message beyond the first 500. In March, Jordan sent 740 texts. What was his bill for March?
%% input
%% output
Texts beyond the limit: 740 - 500 = 240.
Extra charge: 240 × $0.10 = $24.
Total bill: $35 + $24 = $59.
#### 59

%%% math_cyclist
%% instruction
A cyclist rides uphill at 12 km/h for 30 minutes and then downhill at 30 km/h for 20 minutes. What total distance does she cover?
%% input
%% output
Uphill: 30 minutes is 0.5 hours, so she covers 12 × 0.5 = 6 km.
Downhill: 20 minutes is 1/3 of an hour, so she covers 30 × 1/3 = 10 km.
Total distance: 6 + 10 = 16 km.
#### 16
'''

# ---------------------------------------------------------------------------------------------
# instructions.jsonl: planted problems.
# ---------------------------------------------------------------------------------------------

# Real tasks whose output is empty or whitespace only (the generator sets the output).
EMPTY_OUTPUT_INSTRUCTIONS: list[tuple[str, str]] = [
    ("Explain why leaves change colour in autumn.", ""),
    ("List four renewable sources of energy.", ""),
    ("Write a short poem about the sea.", ""),
    (
        "Summarize the main idea of the following sentence.",
        "Regular exercise improves both mood and memory, according to several recent studies.",
    ),
    ("What is the boiling point of water at sea level in Fahrenheit?", ""),
    ("Give two examples of mammals that can fly or glide.", ""),
]
EMPTY_OUTPUT_VALUES: list[str] = ["", " ", "\n", "   \n\t", "", "\n\n"]

# Tasks that need a real answer, answered with a throwaway line.
SHORT_OUTPUT = r"""
%%% short_essay
%% instruction
Write an essay about the causes of the French Revolution.
%% input
%% output
Ok.
%%% short_network
%% instruction
Write a detailed step-by-step guide to setting up a home Wi-Fi network.
%% input
%% output
Sure.
%%% short_bill_law
%% instruction
Explain in detail how a bill becomes a law in the United States.
%% input
%% output
It gets voted on.
%%% short_story
%% instruction
Write a 500-word short story about a lighthouse keeper who finds a message in a bottle.
%% input
%% output
The end.
%%% short_compare
%% instruction
Compare renting and buying a home, covering costs, flexibility and long-term wealth, in at least three paragraphs.
%% input
%% output
Depends.
"""

REFUSALS = r"""
%%% refusal_recipe
%% instruction
Give me a recipe for banana bread.
%% input
%% output
As an AI language model, I cannot provide recipes as I do not have the ability to cook or taste food. I recommend consulting a cookbook or a trusted recipe website.
%%% refusal_poem
%% instruction
Write a short poem about friendship.
%% input
%% output
I'm sorry, but as an AI language model, I am not able to create original creative content such as poems. Is there anything else I can help you with?
%%% refusal_history
%% instruction
Who was the first emperor of Rome?
%% input
%% output
As an AI developed by OpenAI, I don't have personal opinions or access to historical records, so I cannot answer this question.
%%% refusal_sort
%% instruction
Sort these numbers from smallest to largest.
%% input
42, 7, 19, 3, 88
%% output
I'm sorry, I can't assist with that request.
%%% refusal_advice
%% instruction
What are some good ways to stay motivated when studying for exams?
%% input
%% output
As an AI language model, I do not have personal experiences or feelings, and therefore I cannot give advice on motivation. It is important to consult a qualified professional.
%%% refusal_translate
%% instruction
Translate "good morning" into Italian.
%% input
%% output
I apologize, but I am unable to fulfill this request. As a large language model, I cannot translate text. Please use a dedicated translation service.
"""

# The output repeats the input (or the instruction) verbatim.
COPIES_INPUT = r"""
%%% copy_summary
%% instruction
Summarize the following text in one sentence.
%% input
The city council voted on Tuesday to turn the disused rail line along the river into a four-kilometre walking and cycling path, with construction expected to start next spring and finish within two years.
%% output
The city council voted on Tuesday to turn the disused rail line along the river into a four-kilometre walking and cycling path, with construction expected to start next spring and finish within two years.
%%% copy_formal
%% instruction
Rewrite this sentence to sound more professional.
%% input
the report's gonna be late cause the data was a mess
%% output
the report's gonna be late cause the data was a mess
%%% copy_instruction
%% instruction
Describe the role of mitochondria in a cell.
%% input
%% output
Describe the role of mitochondria in a cell.
%%% copy_keywords
%% instruction
Extract three keywords from the passage.
%% input
Solar panels convert sunlight into electricity using photovoltaic cells made mostly of silicon.
%% output
Solar panels convert sunlight into electricity using photovoltaic cells made mostly of silicon.
"""

# The instruction refers to an input that is empty.
MISSING_INPUT = r"""
%%% missing_rewrite
%% instruction
Rewrite the following sentence in the passive voice.
%% input
%% output
The letter was written by the manager.
%%% missing_summarize
%% instruction
Summarize the paragraph below in two sentences.
%% input
%% output
The paragraph explains the main argument and gives several examples to support it. Overall, it concludes that the approach is effective.
%%% missing_classify
%% instruction
Classify the sentiment of the given tweet.
%% input
%% output
Positive
%%% missing_translate
%% instruction
Translate the text below into German.
%% input
%% output
Ich habe den Text übersetzt.
%%% missing_fix_code
%% instruction
Find the bug in the code snippet provided and fix it.
%% input
%% output
The bug is on the second line. Changing the comparison operator fixes the problem.
%%% missing_extract
%% instruction
Extract all the names of people mentioned in this text.
%% input
%% output
John, Mary
"""

# The task needs an image, URL, file or other resource that is not there.
NEEDS_RESOURCE = r"""
%%% resource_image
%% instruction
Describe the image above in detail.
%% input
%% output
The image shows a group of people standing in front of a building on a sunny day. Some of them are smiling and one person is holding a sign.
%%% resource_url
%% instruction
Summarize the article at https://www.example-news.com/2023/05/city-budget-review.html
%% input
%% output
The article discusses the city's budget review and highlights several areas where spending will be cut next year.
%%% resource_spreadsheet
%% instruction
Analyze the attached spreadsheet and tell me which region had the highest sales growth.
%% input
%% output
Based on the spreadsheet, the North region had the highest sales growth.
%%% resource_chart
%% instruction
Looking at the chart below, what trend do you notice?
%% input
[chart]
%% output
The chart shows a steady upward trend over time, with a small dip in the middle.
%%% resource_audio
%% instruction
Transcribe the attached audio recording.
%% input
recording_0412.mp3
%% output
Hello, thank you for calling. How can I help you today?
%%% resource_video
%% instruction
Watch this video and list the three main points the speaker makes: https://youtu.be/xK4fQ9pLmZ0
%% input
%% output
1. Set clear goals. 2. Track your progress. 3. Reward yourself.
"""

# English instruction, no translation requested, answer in another language.
WRONG_LANGUAGE = r"""
%%% wronglang_es
%% lang
es
%% instruction
Explain why regular exercise is good for mental health.
%% input
%% output
El ejercicio regular libera endorfinas, que mejoran el estado de ánimo y reducen el estrés. También ayuda a dormir mejor, aumenta la confianza en uno mismo y puede disminuir los síntomas de la ansiedad y la depresión leve.
%%% wronglang_fr
%% lang
fr
%% instruction
Give three tips for saving money on groceries.
%% input
%% output
1. Faites une liste de courses avant d'aller au supermarché et respectez-la.
2. Comparez le prix au kilo plutôt que le prix du paquet.
3. Cuisinez en grande quantité et congelez les portions restantes.
%%% wronglang_de
%% lang
de
%% instruction
What is the difference between a virus and a bacterium?
%% input
%% output
Bakterien sind eigenständige, einzellige Lebewesen, die sich selbst vermehren können. Viren sind viel kleiner und können sich nur vermehren, indem sie eine Wirtszelle befallen. Antibiotika wirken gegen Bakterien, aber nicht gegen Viren.
%%% wronglang_es2
%% lang
es
%% instruction
Describe a typical breakfast in England.
%% input
%% output
Un desayuno inglés completo suele incluir huevos fritos, beicon, salchichas, judías en salsa de tomate, champiñones, tomate a la plancha y tostadas, acompañado de una taza de té.
"""

# Instruction and output both in another language (2 per language).
NON_ENGLISH = r"""
%%% zh_tea
%% lang
zh
%% instruction
请简单介绍一下绿茶和红茶的区别。
%% input
%% output
绿茶和红茶都来自同一种茶树，区别主要在于加工方式。绿茶采摘后很快经过杀青，阻止了茶叶的氧化，所以茶汤颜色清绿，味道鲜爽。红茶则经过萎凋、揉捻和充分发酵，茶叶完全氧化，茶汤呈红褐色，口感更加醇厚甜润。一般来说，绿茶适合用八十度左右的水冲泡，而红茶可以用接近沸腾的水。
%%% zh_study
%% lang
zh
%% instruction
怎样才能提高学习效率？给出几条建议。
%% input
%% output
1. 制定明确的学习计划，把大目标拆分成每天可以完成的小任务。
2. 采用番茄工作法：专注学习二十五分钟，然后休息五分钟。
3. 学完之后尝试用自己的话复述，或者讲给别人听，这样记得更牢。
4. 保证充足的睡眠，大脑在睡眠中会整理和巩固白天学到的内容。
5. 学习时把手机放到另一个房间，减少干扰。
%%% ru_borscht
%% lang
ru
%% instruction
Как приготовить классический борщ? Опиши основные шаги.
%% input
%% output
1. Сварите бульон из говядины на косточке, это займёт около полутора часов.
2. Натрите свёклу и потушите её с ложкой томатной пасты и каплей уксуса, чтобы она сохранила яркий цвет.
3. Обжарьте нарезанный лук и тёртую морковь на растительном масле.
4. Положите в кипящий бульон картофель, через десять минут добавьте нашинкованную капусту.
5. Когда капуста станет мягкой, добавьте зажарку и свёклу, посолите, поперчите и положите лавровый лист.
6. Дайте борщу настояться под крышкой хотя бы полчаса. Подавайте со сметаной и зеленью.
%%% ru_planets
%% lang
ru
%% instruction
Почему Плутон больше не считается планетой?
%% input
%% output
В 2006 году Международный астрономический союз принял новое определение планеты. Чтобы считаться планетой, небесное тело должно вращаться вокруг Солнца, иметь достаточную массу, чтобы принять почти круглую форму, и расчистить окрестности своей орбиты от других объектов. Плутон выполняет первые два условия, но не третье: он находится в поясе Койпера среди множества похожих тел. Поэтому его отнесли к карликовым планетам.
%%% fr_resume
%% lang
fr
%% instruction
Quels conseils donneriez-vous pour rédiger un bon CV ?
%% input
%% output
Un bon CV doit être clair et facile à parcourir en moins d'une minute. Limitez-le à une page si vous avez moins de dix ans d'expérience, mettez vos expériences les plus récentes en premier et décrivez vos réalisations avec des chiffres concrets plutôt que de simples listes de tâches. Adaptez le contenu à chaque offre en reprenant les compétences demandées, et faites relire le document pour éliminer les fautes d'orthographe.
%%% fr_volcan
%% lang
fr
%% instruction
Explique pourquoi les volcans entrent en éruption.
%% input
%% output
Sous la croûte terrestre, la chaleur fait fondre une partie des roches, qui forment le magma. Ce magma, plus léger que les roches qui l'entourent, remonte lentement et s'accumule dans une chambre magmatique. Il contient aussi des gaz dissous, comme la vapeur d'eau et le dioxyde de carbone. Quand la pression des gaz et du magma devient trop forte pour la roche qui le retient, le magma s'échappe par une fissure ou une cheminée : c'est l'éruption.
%%% de_bahn
%% lang
de
%% instruction
Schreibe eine kurze, höfliche Beschwerde an ein Bahnunternehmen wegen einer Verspätung.
%% input
%% output
Sehr geehrte Damen und Herren,

am vergangenen Freitag hatte mein Zug von Köln nach Hamburg eine Verspätung von über zwei Stunden. Dadurch habe ich einen wichtigen Termin verpasst. Ich bitte Sie daher um eine Erstattung gemäß den Fahrgastrechten. Die Fahrkarte liegt dieser Nachricht bei.

Mit freundlichen Grüßen
Jonas Becker
%%% de_wetter_klima
%% lang
de
%% instruction
Was ist der Unterschied zwischen Wetter und Klima?
%% input
%% output
Das Wetter beschreibt den Zustand der Atmosphäre an einem bestimmten Ort zu einem bestimmten Zeitpunkt, also zum Beispiel Temperatur, Niederschlag und Wind heute oder morgen. Das Klima dagegen ist der durchschnittliche Verlauf des Wetters über einen langen Zeitraum, meist dreißig Jahre. Ein einzelner kalter Sommer sagt deshalb wenig über das Klima aus.
%%% ja_sakura
%% lang
ja
%% instruction
日本のお花見の習慣について簡単に説明してください。
%% input
%% output
お花見は、春に桜の花を眺めて楽しむ日本の伝統的な習慣です。三月下旬から四月上旬にかけて、人々は公園や川沿いに集まり、桜の木の下にシートを広げて、お弁当やお酒を楽しみます。起源は奈良時代の貴族の行事にさかのぼると言われ、江戸時代に庶民の間にも広まりました。人気の場所では、早朝から場所取りをする人も珍しくありません。
%%% ja_sleep
%% lang
ja
%% instruction
よく眠るためのコツを三つ教えてください。
%% input
%% output
一、毎日同じ時間に寝て、同じ時間に起きるようにしましょう。週末も大きくずらさないことが大切です。
二、寝る一時間前からはスマートフォンやパソコンの画面を見ないようにしましょう。
三、夕方以降はコーヒーや緑茶などカフェインを含む飲み物を控えましょう。
%%% es_paella
%% lang
es
%% instruction
¿Cuáles son los ingredientes de una paella valenciana tradicional?
%% input
%% output
La paella valenciana tradicional lleva arroz redondo, pollo, conejo, judía verde plana (ferraura), garrofón, tomate rallado, aceite de oliva, azafrán, pimentón dulce, sal y agua. A veces se añade romero o caracoles. Lo que no lleva es marisco ni chorizo: la paella de marisco es otra receta distinta.
%%% es_ahorro
%% lang
es
%% instruction
Dame algunos consejos para empezar a ahorrar dinero cada mes.
%% input
%% output
- Apunta todos tus gastos durante un mes para saber en qué se va el dinero.
- Transfiere una cantidad fija a una cuenta de ahorro el mismo día que cobras, antes de gastar nada.
- Revisa tus suscripciones y cancela las que no uses.
- Crea un fondo de emergencia equivalente a tres meses de gastos.
- Antes de una compra grande, espera 48 horas para evitar gastos impulsivos.
"""

# PII inside inputs or outputs.  ``pii_values`` lists every string a redactor should remove
# (192.168.0.1 in pii_router is a private LAN address and deliberately not listed).
# <<CARD_1>>, <<CARD_2>>, <<SK_KEY>>, <<GHP_TOKEN>>,
# <<AWS_KEY_ID>> and <<AWS_SECRET>> are filled in by the generator (cards pass Luhn).
PII = r"""
%%% pii_email_signature
%% pii_values
rachel.okafor@brightlinestudio.com
(415) 555-0198
%% pii_types
email, phone_us
%% instruction
Write a professional email signature for me.
%% input
Name: Rachel Okafor, Senior Product Designer at Brightline Studio, email rachel.okafor@brightlinestudio.com, phone (415) 555-0198
%% output
Rachel Okafor
Senior Product Designer | Brightline Studio
rachel.okafor@brightlinestudio.com | (415) 555-0198
%%% pii_reschedule
%% pii_values
tomasz.wojcik84@gmail.com
+48 601 234 567
%% pii_types
email, phone_intl
%% instruction
Reply to this customer and confirm the new delivery date.
%% input
Hi, this is Tomasz Wójcik. I won't be home on Friday, can you deliver on Monday instead? You can reach me at tomasz.wojcik84@gmail.com or +48 601 234 567.
%% output
Dear Mr Wójcik,

Thank you for letting us know. Your delivery has been moved to Monday between 9:00 and 13:00. Our driver will call you at +48 601 234 567 about 30 minutes before arrival, and a confirmation has been sent to tomasz.wojcik84@gmail.com.

Kind regards,
Customer Service
%%% pii_server_log
%% pii_values
j.harlow@northwind-logistics.com
203.0.113.42
2a02:8108:1640:5e00:d4c3:2f1a:9b07:1e55
%% pii_types
ipv4, ipv6, email
%% instruction
Explain what is happening in these server log lines.
%% input
2024-02-11 03:14:07 WARN auth: 17 failed login attempts for user j.harlow@northwind-logistics.com from 203.0.113.42
2024-02-11 03:14:09 WARN auth: 9 failed login attempts for user j.harlow@northwind-logistics.com from 2a02:8108:1640:5e00:d4c3:2f1a:9b07:1e55
2024-02-11 03:15:00 INFO auth: account locked after 26 failures
%% output
Someone is trying to guess the password for the account j.harlow@northwind-logistics.com. The attempts come from two addresses, the IPv4 address 203.0.113.42 and the IPv6 address 2a02:8108:1640:5e00:d4c3:2f1a:9b07:1e55, within a couple of seconds of each other, which looks like an automated brute-force attack. After 26 failed attempts the system locked the account, which is the intended protection. You should block both addresses and contact the user.
%%% pii_card_refund
%% pii_values
<<CARD_1>>
d.mensah@outlook.com
%% pii_types
credit_card, email
%% instruction
Draft a refund request to a shop.
%% input
Order paid with card <<CARD_1>>, charged twice. My email is d.mensah@outlook.com.
%% output
Hello,

I placed an order last week and noticed that my card <<CARD_1>> was charged twice for the same purchase. Could you please refund the duplicate charge? You can contact me at d.mensah@outlook.com if you need any further details.

Thank you,
Daniel Mensah
%%% pii_openai_key
%% pii_values
<<SK_KEY>>
%% pii_types
api_key
%% instruction
Why does this Python code fail with an authentication error?
%% input
import openai
client = openai.OpenAI(api_key="<<SK_KEY>>")
resp = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
%% output
An authentication error usually means the key is invalid, revoked or belongs to a different organisation. Also note that you have pasted the key "<<SK_KEY>>" directly into the source code. Revoke it now, create a new one, and load it from an environment variable instead:

```python
import os
import openai

client = openai.OpenAI(api_key=os.environ["OPENAI_API_KEY"])
```
%%% pii_github_token
%% pii_values
<<GHP_TOKEN>>
%% pii_types
api_key
%% instruction
How do I clone a private repository using a personal access token?
%% input
%% output
Pass the token as the password when Git asks for credentials, or include it in the URL for a one-off clone:

```bash
git clone https://<<GHP_TOKEN>>@github.com/acme-corp/internal-tools.git
```

Here the token is <<GHP_TOKEN>>. Be careful: a token in a URL ends up in your shell history and in `.git/config`, so prefer a credential helper for anything long-lived.
%%% pii_aws_keys
%% pii_values
<<AWS_KEY_ID>>
<<AWS_SECRET>>
%% pii_types
api_key
%% instruction
What's wrong with this AWS configuration file?
%% input
[default]
aws_access_key_id = <<AWS_KEY_ID>>
aws_secret_access_key = <<AWS_SECRET>>
region = eu-west-1
%% output
The file itself is syntactically fine, but the access key <<AWS_KEY_ID>> and its secret are stored in plain text. If this file has been shared or committed to a repository, deactivate the key in the IAM console immediately and create a new one. Prefer short-lived credentials through AWS SSO or an IAM role where possible.
%%% pii_contact_list
%% pii_values
maria.gonzalez@fernwoodclinic.org
(212) 555-0143
k.watanabe@shinsei-trading.co.jp
+81 3-5555-0182
lucy.b@harbourview.ie
+353 1 555 0127
%% pii_types
email, phone_us, phone_intl
%% instruction
Format this contact list as a table.
%% input
Maria Gonzalez - maria.gonzalez@fernwoodclinic.org - (212) 555-0143
Kenji Watanabe - k.watanabe@shinsei-trading.co.jp - +81 3-5555-0182
Lucy Brennan - lucy.b@harbourview.ie - +353 1 555 0127
%% output
| Name | Email | Phone |
|------|-------|-------|
| Maria Gonzalez | maria.gonzalez@fernwoodclinic.org | (212) 555-0143 |
| Kenji Watanabe | k.watanabe@shinsei-trading.co.jp | +81 3-5555-0182 |
| Lucy Brennan | lucy.b@harbourview.ie | +353 1 555 0127 |
%%% pii_booking
%% pii_values
<<CARD_2>>
312-555-0176
%% pii_types
credit_card, phone_us
%% instruction
Summarize this hotel booking confirmation.
%% input
Guest: Aaron Whitfield. Check-in 14 June, check-out 17 June, deluxe king room. Guaranteed with Visa <<CARD_2>>. Mobile 312-555-0176.
%% output
Aaron Whitfield has a deluxe king room for three nights, checking in on 14 June and out on 17 June. The booking is guaranteed with the Visa card <<CARD_2>>, and his mobile number is 312-555-0176.
%%% pii_router
%% pii_values
84.17.52.190
2001:db8:85a3::8a2e:370:7334
%% pii_types
ipv4, ipv6
%% instruction
My router shows these addresses. Which one is my public address?
%% input
LAN IPv4: 192.168.0.1
WAN IPv4: 84.17.52.190
WAN IPv6: 2001:db8:85a3::8a2e:370:7334
%% output
192.168.0.1 is a private address used only inside your home network. Your public IPv4 address is 84.17.52.190, which is what websites see when you connect over IPv4. 2001:db8:85a3::8a2e:370:7334 is your router's IPv6 address, which is also public and reachable from the internet unless the firewall blocks it.
"""

# Things that look like PII but are not.  <<NOT_LUHN_16>> is a 16-digit number that fails
# the Luhn check (the generator asserts it).
PII_NEAR_MISS = r"""
%%% nearmiss_versions
%% kinds
version_number
%% instruction
Which version of the library should I pin?
%% input
The changelog lists releases 1.2.3.4, v2.10.1 and 2.11.0-rc1.
%% output
Pin v2.10.1. Release 1.2.3.4 is an old four-part build number from the legacy branch, and 2.11.0-rc1 is only a release candidate, so v2.10.1 is the newest stable version.
%%% nearmiss_dates
%% kinds
date
%% instruction
Convert these dates to ISO 8601 format.
%% input
03/15/2024, 07/04/2023, 12/31/2025
%% output
2024-03-15, 2023-07-04, 2025-12-31
%%% nearmiss_code_numbers
%% kinds
code_numbers
%% instruction
What does this snippet print?
%% input
values = [3141, 5926, 5358, 9793]
total = sum(values) * 1000 + 2384
print(total)
%% output
The list sums to 3141 + 5926 + 5358 + 9793 = 24218. Multiplied by 1000 that is 24218000, plus 2384 gives 24220384, so it prints 24220384.
%%% nearmiss_not_luhn
%% kinds
non_luhn_16_digits
%% instruction
Is this a valid credit card number?
%% input
<<NOT_LUHN_16>>
%% output
No. It has 16 digits, but it fails the Luhn checksum that all major card numbers satisfy, so it cannot be a valid card number. It may be a mistyped number or some other kind of identifier.
%%% nearmiss_order
%% kinds
order_number
%% instruction
Write a short message telling a customer that their order has shipped.
%% input
Order number: 1048-2277-3591, carrier: DHL, estimated delivery: 3 to 5 business days
%% output
Good news! Your order 1048-2277-3591 has shipped with DHL and should arrive within 3 to 5 business days. You will receive tracking updates as it moves.
%%% nearmiss_measurements
%% kinds
measurements, isbn, time
%% instruction
Summarize these product details.
%% input
Model TX-4500, 1920x1080 display, 12.5 x 8.3 x 0.7 inches, ISBN of manual 978-0-306-40615-7, released 10:30 at the 2019 expo.
%% output
The TX-4500 has a 1920x1080 display, measures 12.5 by 8.3 by 0.7 inches, and comes with a manual (ISBN 978-0-306-40615-7). It was unveiled at the 2019 expo.
"""

# Common code boilerplate that must not count as benchmark contamination.
CODE_BOILERPLATE_CONTROL = r"""
%%% control_class
%% instruction
Write a simple Python class for a counter that can be incremented and reset.
%% input
%% output
```python
class Counter:
    def __init__(self):
        self.value = 0

    def increment(self, step=1):
        self.value += step
        return self.value

    def reset(self):
        self.value = 0


if __name__ == "__main__":
    c = Counter()
    c.increment()
    c.increment(5)
    print(c.value)  # 6
```
%%% control_numpy
%% instruction
Show me how to normalise each column of a NumPy array to the range 0 to 1.
%% input
%% output
```python
import numpy as np


def normalise_columns(data):
    result = np.empty_like(data, dtype=float)
    mins = data.min(axis=0)
    spans = data.max(axis=0) - mins
    spans[spans == 0] = 1
    result[:] = (data - mins) / spans
    return result


if __name__ == "__main__":
    arr = np.array([[1, 200], [3, 400], [5, 300]])
    print(normalise_columns(arr))
```
%%% control_script
%% instruction
Write a Python script that counts how many times each word appears in a text file.
%% input
%% output
```python
import sys
from collections import Counter


def count_words(path):
    result = Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            result.update(word.lower().strip(".,!?;:") for word in line.split())
    return result


if __name__ == "__main__":
    for word, n in count_words(sys.argv[1]).most_common(10):
        print(f"{n:6d} {word}")
```
"""

# Prompts wrapped around HumanEval problems (the code itself is read from the wheel).
HUMANEVAL_INSTRUCTIONS: dict[str, str] = {
    "verbatim_prompt_solution": "Complete the following Python function.",
    "verbatim_in_output": "Write a Python function that solves the problem described in its docstring, with doctest examples.",
    "solution_only": "Write the body of the function described below.",
    "reindented": "Here is my solution to a coding exercise. Can you check it?",
    "docstring_case_punct": "Implement this function in Python.",
    "half_prompt": "Finish writing this function.",
}

# ---------------------------------------------------------------------------------------------
# chats.json (ShareGPT layout).  One block per conversation; turns alternate human / gpt.
# ---------------------------------------------------------------------------------------------
CHATS = r"""
%%% chat_tomato_plants
%% human
The leaves on my tomato plants are turning yellow from the bottom up. What's going on?
%% gpt
Yellowing that starts on the lowest leaves and works upward is very common on tomatoes. The usual suspects are:

1. Nitrogen deficiency. The plant moves nitrogen from old leaves to new growth, so the bottom leaves yellow first. A balanced feed usually fixes it.
2. Early blight. Look for brown spots with concentric rings, like a target, surrounded by yellow. Remove affected leaves and avoid wetting the foliage when you water.
3. Watering problems. Both soggy soil and long dry spells stress the roots.
4. Natural ageing. Once the plant is tall and shading its lower leaves, a few yellow ones at the bottom are normal.

Do you see any spots on the leaves, or are they evenly yellow?
%% human
They're evenly yellow, no spots. I haven't fed them since planting.
%% gpt
Then nitrogen deficiency is the most likely cause. Feed them with a tomato fertiliser or a general-purpose liquid feed diluted according to the label, and repeat every one to two weeks while they are fruiting. The yellow leaves will not turn green again, so you can pinch them off, but new growth should stay a healthy dark green within a week or two.

%%% chat_resignation
%% human
Can you help me write a short resignation letter? I've been at the company three years and I'm leaving on good terms.
%% gpt
Of course. Here is a short, friendly version you can adapt:

Dear Ms Patel,

Please accept this letter as formal notice of my resignation from my position as Marketing Coordinator. My last day will be four weeks from today, in line with my notice period.

I am grateful for the opportunities I have had over the past three years, and especially for the support of the team during the product launch last spring. I will do everything I can to make the handover smooth, including documenting my current projects.

Thank you again, and I hope to stay in touch.

Kind regards,
Jordan

Would you like it more formal, or should I mention the new role?
%% human
That's perfect, thanks. Maybe make the thank-you part a little warmer?
%% gpt
Sure, here is the middle paragraph rewritten:

Working here for the past three years has been one of the best experiences of my career. I have learned an enormous amount from you and from the team, and I will always remember how everyone pulled together during last spring's launch. Thank you for your trust and encouragement.

%%% chat_python_list_copy
%% human
Why does changing my list b also change a? I did b = a and then b.append(4).
%% gpt
Because `b = a` does not copy the list. It makes `b` a second name for the same list object, so any change through either name is visible through both. You can check with `a is b`, which returns `True`.

To get an independent copy, use one of these:

```python
b = a.copy()      # or list(a), or a[:]
```

These make a shallow copy. If the list contains other lists or dictionaries and you want to copy those too, use `copy.deepcopy(a)`.

%%% chat_rome_trip
%% human
I'm going to Rome for two days in October. What shouldn't I miss?
%% gpt
Two days is tight, so group the sights by area:

Day 1, ancient Rome: book a timed ticket for the Colosseum, Roman Forum and Palatine Hill and go early. In the afternoon walk to the Pantheon, the Trevi Fountain and the Spanish Steps, and eat dinner in Monti.

Day 2, the Vatican: reserve the Vatican Museums for opening time so the Sistine Chapel is less crowded, then visit St Peter's Basilica. In the evening cross the river to Trastevere for dinner.

October weather is usually mild, but bring a light rain jacket.
%% human
Is the Borghese Gallery worth squeezing in?
%% gpt
If you like sculpture, yes. The Bernini statues there, especially Apollo and Daphne, are among the most impressive works in the city, and visits are limited to two-hour slots, so it never feels crowded. You must book in advance. The easiest way to fit it in would be the morning of day 1, moving the Colosseum to the afternoon.

%%% chat_sourdough_flat
%% human
My sourdough loaves keep coming out flat and dense. Any ideas?
%% gpt
Flat, dense loaves usually come down to one of three things:

- A weak starter. Make sure it doubles within about 4 to 8 hours of feeding before you use it.
- Under-fermented dough. Bulk fermentation often needs longer than recipes say, especially in a cool kitchen. Wait until the dough has grown by about 50% and looks airy and jiggly.
- Not enough shaping tension. A tight surface helps the loaf hold its shape and rise upwards instead of spreading.

Which of these sounds most likely? How long does your bulk fermentation take, and how warm is your kitchen?
%% human
About 4 hours, and the kitchen is maybe 19 degrees.
%% gpt
At 19 °C, four hours is probably too short. Dough ferments much more slowly below about 22 °C. Try letting the bulk go for 6 to 8 hours, or find a warmer spot such as an oven with only the light switched on. Judge by the dough rather than the clock: it should be domed, noticeably bigger and have bubbles on the sides of the container.

%%% chat_budget_app
%% human
What's a simple way to track my spending without a fancy app?
%% gpt
A spreadsheet with four columns works well: date, amount, category and a short note. Once a week, spend ten minutes entering your card and bank transactions and any cash you spent. At the end of the month, make a pivot table or use SUMIF to total each category.

Keep the categories few and broad, such as housing, groceries, transport, eating out, subscriptions and other. The goal is not perfect accounting; it is to notice where the money goes so you can decide what to change.

%%% chat_photosynthesis_kid
%% human
My 8-year-old asked me how plants eat. How do I explain it?
%% gpt
You could say something like this:

"Plants make their own food, kind of like little kitchens. They drink water through their roots and breathe in a gas from the air called carbon dioxide. Then their green leaves catch sunlight, and the sunlight gives them the energy to mix the water and the air into sugar. That sugar is their food! And while they cook, they breathe out oxygen, which is the air we need."

A fun follow-up is to put a plant in a dark cupboard for a few days next to one on the windowsill and see what happens.

%%% chat_regex_email
%% human
How can I check in JavaScript whether a string looks like an email address?
%% gpt
For a basic sanity check, a simple regular expression is enough:

```javascript
function looksLikeEmail(s) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);
}
```

It requires something before the @, something after it, and a dot in the domain part, with no spaces. Trying to validate every legal address with a regex gets complicated quickly, so the reliable test is to send a confirmation email. In HTML forms, `<input type="email">` also gives you built-in validation.

%%% chat_marathon
%% human
I just signed up for my first marathon. It's 20 weeks away. I currently run about 25 km a week. Is that enough time?
%% gpt
Yes, 20 weeks is a comfortable amount of time from a 25 km base. Most beginner plans are 16 to 20 weeks long, so you even have a little buffer for illness or a bad week.

A few principles for the build-up:
- Increase weekly volume gradually, and every third or fourth week cut back by about 20% to recover.
- Make one run a week your long run, building it to around 30 to 32 km about three weeks before race day.
- Run most of your kilometres at an easy, conversational pace.
- Practise eating and drinking on long runs, using the same gels or drinks you will use in the race.
- Taper for the last two to three weeks.
%% human
How fast should the long runs be?
%% gpt
Slow. A good guide is 45 to 90 seconds per kilometre slower than your goal marathon pace, or a pace at which you could hold a conversation. The point of the long run is to build endurance and teach your body to use fat as fuel, not to rehearse race speed. Later in the plan you can add a few kilometres at marathon pace near the end of some long runs.

%%% chat_sql_join
%% human
What's the difference between an INNER JOIN and a LEFT JOIN?
%% gpt
An INNER JOIN returns only the rows that have a match in both tables. A LEFT JOIN returns every row from the left table, plus the matching rows from the right table; where there is no match, the right table's columns are filled with NULL.

For example, joining customers to orders: an INNER JOIN lists only customers who have placed at least one order, while a LEFT JOIN lists all customers, with NULLs in the order columns for those who never ordered. A common trick is to use a LEFT JOIN with `WHERE orders.id IS NULL` to find customers without orders.

%%% chat_cover_photo
%% human
What settings should I use to photograph fireworks with my camera?
%% gpt
Put the camera on a tripod and use manual mode. Good starting settings are:

- ISO 100 to 200, to keep noise low.
- Aperture around f/8 to f/11.
- Shutter speed of 2 to 5 seconds, or bulb mode so you can open the shutter when a rocket launches and close it after it bursts.
- Manual focus set to infinity, or focus on the first burst and then switch autofocus off.

Use a remote release or the two-second timer to avoid shake, and turn off image stabilisation when the camera is on a tripod. Check your first few shots and adjust the exposure time.

%%% chat_dog_chocolate
%% human
My dog just ate a chocolate chip cookie. Should I be worried?
%% gpt
One chocolate chip cookie is usually not dangerous for a medium or large dog, because milk chocolate chips contain relatively little theobromine, the substance that is toxic to dogs. The risk depends on the type and amount of chocolate and your dog's weight; dark and baking chocolate are far more dangerous.

Watch for vomiting, diarrhoea, restlessness, a racing heart or trembling over the next 12 hours. If your dog is small, ate several cookies, or the cookie contained dark chocolate, or if you notice any of those signs, call your vet or an animal poison helpline right away.
%% human
She's a 30 kg labrador and it was one cookie.
%% gpt
Then she will very likely be fine. For a 30 kg dog, the amount of theobromine in one cookie is well below the level that causes symptoms. She may have a mildly upset stomach at most. Keep an eye on her this evening, make sure she has water, and keep the rest of the cookies out of reach.

%%% chat_excel_vlookup
%% human
How do I use VLOOKUP to pull prices from another sheet in Excel?
%% gpt
Suppose sheet "Prices" has product codes in column A and prices in column B, and on your main sheet the product code is in A2. In B2 enter:

```
=VLOOKUP(A2, Prices!A:B, 2, FALSE)
```

- A2 is the value to look up.
- Prices!A:B is the table to search; the lookup column must be the first column.
- 2 means "return the value from the second column of that table".
- FALSE asks for an exact match.

Fill the formula down the column. If you have a recent version of Excel, XLOOKUP is more flexible: `=XLOOKUP(A2, Prices!A:A, Prices!B:B)`.

%%% chat_stoicism
%% human
What is Stoicism in a nutshell?
%% gpt
Stoicism is a school of philosophy founded in Athens around 300 BC and later popular in Rome, with writers such as Seneca, Epictetus and the emperor Marcus Aurelius. Its core idea is that we should focus on what is within our control, namely our own judgements, choices and actions, and accept calmly what is not, such as other people's behaviour, illness or fortune. The Stoics believed that virtue, meaning wisdom, courage, justice and self-control, is the only true good, and that living by reason in harmony with nature leads to a steady kind of happiness that outside events cannot take away.

%%% chat_packing_cubes
%% human
I'm flying with carry-on only for ten days. Tips for packing light?
%% gpt
Ten days in a carry-on is very doable if you plan for about five days of clothes and do laundry once.

- Choose a colour palette so every top goes with every bottom.
- Wear your bulkiest shoes and jacket on the plane.
- Pack quick-drying fabrics like merino or synthetic blends that you can wash in a sink.
- Use packing cubes to compress clothes and keep things organised.
- Limit shoes to two pairs.
- Buy toiletries at your destination, or decant them into small bottles.

Lay everything out before packing and remove a third of it. You will rarely miss it.

%%% chat_cpp_pointer
%% human
In C++, what's the difference between a pointer and a reference?
%% gpt
Both let you refer to another object indirectly, but they behave differently:

- A reference must be initialised when it is declared and cannot be re-seated to refer to another object later. A pointer can be reassigned at any time.
- A reference cannot be null. A pointer can be `nullptr`, so you often need to check it.
- You use a reference just like the original object (`r.size()`), while a pointer must be dereferenced (`p->size()` or `*p`).
- Pointers support arithmetic and can point into arrays; references do not.

A common guideline: use references for function parameters that must refer to a valid object, and pointers when "no object" is a valid state or when you need to reseat.
%% human
And smart pointers?
%% gpt
Smart pointers are class templates that own a dynamically allocated object and delete it automatically. `std::unique_ptr` has a single owner and cannot be copied, only moved; it should be your default. `std::shared_ptr` keeps a reference count and frees the object when the last owner goes away, and `std::weak_ptr` observes a shared object without keeping it alive, which helps break reference cycles. In modern C++ you rarely need to call `new` and `delete` yourself.

%%% chat_meditation
%% human
I want to start meditating but I can't sit still for long. Where do I begin?
%% gpt
Start much smaller than you think. Two to five minutes a day is enough at first.

Sit comfortably, on a chair is fine, set a timer and pay attention to the feeling of your breath at the nostrils or belly. Your mind will wander within seconds. That is not failure; noticing that it wandered and gently returning to the breath is the actual exercise. Each return is one repetition, like a push-up for attention.

If sitting feels impossible, try a walking meditation: walk slowly and notice each step. Guided recordings can also help in the beginning. Consistency matters more than length, so tie the practice to something you already do every day, such as after your morning coffee.

%%% chat_french_subjunctive
%% human
When do you use the subjunctive in French?
%% gpt
The French subjunctive appears mainly in clauses introduced by "que" after expressions of:

- Wish or will: Je veux que tu viennes.
- Emotion: Je suis content qu'il soit là.
- Doubt or possibility: Je doute qu'elle ait raison.
- Necessity: Il faut que nous partions.

It also follows certain conjunctions, such as "bien que", "pour que", "avant que" and "à moins que". Expressions of certainty, like "je pense que" in a positive sentence, take the indicative, but in the negative or question form ("je ne pense pas que") they usually switch to the subjunctive.

%%% chat_kombucha
%% human
Is homemade kombucha safe to drink?
%% gpt
It is generally safe if you follow basic hygiene and keep the brew acidic. The acidity is what keeps harmful microbes out.

- Start with a healthy SCOBY and some mature kombucha as a starter liquid, which lowers the pH from the beginning.
- Use glass containers, not metal or decorative ceramics that might leach lead.
- Clean everything well and cover the jar with a breathable cloth.
- Throw it out if you see fuzzy, dry spots of mould in blue, green or black. Brown stringy bits are normal yeast.

People who are pregnant, immunocompromised or have certain health conditions should check with a doctor first, and start with small amounts, because it can upset the stomach.

%%% chat_linux_disk
%% human
My Linux server says the disk is full. How do I find what's taking up space?
%% gpt
Start with an overview of the mounted filesystems:

```bash
df -h
```

Then find the largest directories on the full filesystem, for example under /var:

```bash
sudo du -xh /var --max-depth=2 2>/dev/null | sort -h | tail -20
```

Common culprits are old logs in /var/log, Docker images and volumes (`docker system df`), package caches (`apt clean`) and core dumps. Also check for deleted files that a process still holds open with `sudo lsof +L1`; their space is only freed when the process restarts.
%% human
It's /var/log/journal, it's 14G.
%% gpt
That is the systemd journal. You can shrink it immediately with:

```bash
sudo journalctl --vacuum-size=500M
```

To keep it from growing back, set a limit in /etc/systemd/journald.conf, for example `SystemMaxUse=500M`, and then restart the service with `sudo systemctl restart systemd-journald`.

%%% chat_gift_ideas
%% human
Gift ideas for my dad who likes gardening and history? Budget around 50 dollars.
%% gpt
Here are a few ideas that combine both interests or cover one of them well:

- A book on the history of gardens or plant hunters, such as an illustrated history of botanical exploration.
- Heritage or heirloom seed collection, with varieties that have been grown for centuries.
- A good pair of bypass secateurs from a reputable brand.
- A kneeling pad and tool belt set.
- A membership to a local historic garden or estate, if one is nearby.
- A personalised wooden plant marker set.

If he already has good tools, the heritage seeds plus a history book make a thoughtful combination within budget.

%%% chat_climate_zone
%% human
Why is London warmer than Calgary in winter even though it's further north?
%% gpt
Mainly because of the ocean. London sits next to the Atlantic, and the North Atlantic Current, an extension of the Gulf Stream, carries warm water toward north-western Europe. The prevailing westerly winds blow over that relatively warm water before reaching Britain, keeping winters mild and damp.

Calgary is deep inside a continent, far from any ocean. Land cools quickly in winter, and cold Arctic air masses can flow south across the prairies with nothing to moderate them. Its elevation of about 1,000 metres adds to the cold. Occasional chinook winds can bring sudden warm spells, but on average its winters are much colder.

%%% chat_vinaigrette
%% human
What's the ratio for a basic vinaigrette?
%% gpt
The classic ratio is three parts oil to one part acid. For example, 3 tablespoons of olive oil to 1 tablespoon of red wine vinegar or lemon juice, plus a pinch of salt and pepper. Add half a teaspoon of Dijon mustard to help it emulsify, and a little honey if you like it rounder. Shake everything in a jar, taste on a lettuce leaf and adjust. Many cooks prefer a slightly sharper 2:1 ratio for bitter greens.

%%% chat_unit_tests
%% human
Why should I write unit tests if my code already works?
%% gpt
Because "works now" and "keeps working" are different things. Unit tests pay off mostly in the future:

- They catch regressions when you or someone else changes the code later.
- They make refactoring safe, so you can clean up code without fear.
- They document how a function is meant to be used, including edge cases.
- Writing them often exposes awkward design, since hard-to-test code is usually too tightly coupled.
- They speed up debugging by narrowing down where a failure is.

You do not need to test everything. Start with the logic that is complex, important or has broken before.

%%% chat_kid_sleep
%% human
My toddler fights bedtime every night. Any tips?
%% gpt
Bedtime battles are very common between ages two and four. Things that help many families:

- A predictable routine in the same order every night: bath, pyjamas, teeth, two books, lights out.
- Offer limited choices to give a sense of control: "Do you want the dinosaur pyjamas or the striped ones?"
- A calm, dim environment and no screens in the hour before bed.
- Check the timing. Sometimes a child resists because they are not tired yet, often because the afternoon nap is too long or late.
- Be boring and consistent if they get up: walk them back with minimal talk.

It typically takes one to two weeks of consistency before the new pattern sticks.

%%% chat_ww2_enigma
%% human
How was the Enigma code broken?
%% gpt
The breakthrough began in Poland. In the early 1930s, mathematicians Marian Rejewski, Jerzy Różycki and Henryk Zygalski used mathematics and intelligence material to reconstruct the machine's wiring and built devices to find the daily settings. Weeks before the war began in 1939, they shared their work with the French and British.

At Bletchley Park, Alan Turing and Gordon Welchman designed the bombe, an electromechanical machine that tested possible rotor settings against a guessed fragment of plaintext, called a crib. Cribs came from predictable phrases such as weather reports. Operator mistakes and captured codebooks from German ships and submarines also helped. The intelligence, codenamed Ultra, is widely believed to have shortened the war.

%%% chat_interview_weakness
%% human
How do I answer "What's your biggest weakness?" in an interview?
%% gpt
Pick a real weakness that is not central to the job, and show what you are doing about it. Avoid disguised boasts like "I'm a perfectionist," which interviewers hear constantly.

A simple structure is: name it, give a short example, explain the steps you are taking and the progress so far. For example: "I used to find it hard to delegate, and on one project I ended up working late while teammates had capacity. Since then I have started planning tasks with the team at the start of each week and agreeing who owns what, and my last project was delivered without any overtime."

%%% chat_bike_chain
%% human
My bike chain keeps slipping when I pedal hard. What should I check?
%% gpt
Chain slip under load usually has one of these causes:

1. A worn chain. Measure it with a chain checker; if it has stretched by 0.5% or more, replace it.
2. Worn cassette or chainrings. A new chain on old cogs often slips, so they may need replacing too.
3. Gear indexing. If the derailleur is slightly out of adjustment, the chain sits between two cogs. Turn the barrel adjuster in small steps until shifting is crisp.
4. A stiff link. Turn the pedals backwards slowly and watch for a link that kinks as it passes the derailleur.

If the bike has done thousands of kilometres on the same chain, wear is the most likely culprit.

%%% chat_tea_caffeine
%% human
Does green tea have less caffeine than coffee?
%% gpt
Yes, usually a lot less. A typical cup of brewed green tea contains about 20 to 45 mg of caffeine, while a cup of drip coffee has roughly 80 to 120 mg. The exact amounts vary with the tea variety, how much leaf you use, the water temperature and how long you steep it. Matcha is an exception, since you consume the whole powdered leaf, and a serving can have 60 mg or more.

%%% chat_novel_outline
%% human
I want to write a mystery novel but I always get stuck in the middle. Any advice?
%% gpt
The sagging middle is the most common problem in mystery writing. A few techniques help:

- Plan a midpoint twist that changes what the detective thinks the case is about, for example revealing that the victim was not the intended target.
- Give every suspect a secret unrelated to the murder. Uncovering those secrets creates scenes and red herrings.
- Raise the stakes: a second crime, a deadline or a threat to the detective.
- Work backwards from the solution, listing the clues the reader needs and deciding where each one appears.

Outlining just the key turning points, rather than every scene, can give you direction while leaving room to discover the story as you write.
%% human
How many suspects should there be?
%% gpt
Most classic mysteries work well with four to six serious suspects. Fewer than that and the reader guesses too easily; more and it becomes hard to give each one a clear motive, a secret and enough page time. Make sure each suspect is distinctive, so readers can keep them apart.
"""

# Conversation keys used to plant the remaining chat problems.
CHAT_EXACT_DUPLICATE_OF: list[str] = ["chat_python_list_copy", "chat_vinaigrette", "chat_marathon"]

# (original key, [(turn index, old, new), ...]) -- turn index into the conversation list.
CHAT_NEAR_DUPLICATE_EDITS: list[tuple[str, list[tuple[int, str, str]]]] = [
    (
        "chat_tomato_plants",
        [
            (0, "What's going on?", "Why is this happening?"),
            (3, "within a week or two", "within about two weeks"),
        ],
    ),
    (
        "chat_linux_disk",
        [(1, "Common culprits are old logs", "Typical culprits are old log files")],
    ),
]

# Conversations whose final gpt turn is empty (the generator blanks it).
CHAT_EMPTY_FINAL = r"""
%%% chat_empty_haiku
%% human
Can you write me a haiku about the first snow of winter?
%% gpt

%%% chat_empty_followup
%% human
What's the fastest way to learn touch typing?
%% gpt
Use a structured typing tutor that teaches one row of keys at a time, start with the home row, and never look at the keyboard, even if you are slow at first. Practise 15 to 20 minutes a day and focus on accuracy before speed.
%% human
How long until I'm faster than with two fingers?
%% gpt

"""

CHAT_REFUSALS = r"""
%%% chat_refusal_pasta
%% human
How long should I cook dried spaghetti?
%% gpt
As an AI language model, I don't have the ability to cook or experience food, so I cannot tell you how long to cook spaghetti. Please refer to the instructions on the package.
%%% chat_refusal_story
%% human
Write a bedtime story about a brave little turtle.
%% gpt
I'm sorry, but I cannot fulfill this request. As an AI, I am not able to generate creative stories. Is there something else I can help you with?
"""

# ---------------------------------------------------------------------------------------------
# web.jsonl.gz: article bodies.  The generator wraps many of them in scraped boilerplate.
# ---------------------------------------------------------------------------------------------
WEB_ARTICLES = r"""
%%% web_cast_iron
%% url
https://www.homecookingnotes.com/blog/how-to-season-cast-iron
%% text
How to Season a Cast Iron Skillet (and Keep It That Way)

A well-seasoned cast iron pan is close to non-stick, lasts for generations and costs less than most fancy cookware. Seasoning is simply a thin layer of oil that has been baked onto the metal until it polymerises into a hard, slick coating.

To season a new or rusty pan, scrub it with hot water and a little soap, dry it completely on the stove, then rub a very thin layer of neutral oil over every surface, inside and out. Wipe it off again as if you had made a mistake; what remains is enough. Place the pan upside down in an oven at 230 °C for an hour and let it cool inside. Repeat three or four times for a solid base.

Day to day, the best maintenance is cooking. Fry, sear and roast in it often. After use, rinse it, scrub off stuck bits with a brush or coarse salt, dry it on a warm burner and wipe in a drop of oil. Avoid soaking it in the sink or running it through the dishwasher, and go easy on long-simmered acidic sauces until the seasoning is mature.

%%% web_remote_work_study
%% url
https://news.metroledger.com/business/2023/hybrid-work-productivity-survey
%% text
Survey Finds Hybrid Workers Value Flexibility Over Pay Rises

A majority of office employees who split their week between home and the workplace would turn down a 10 per cent pay rise if it meant returning to the office full time, according to a survey of 4,000 workers published on Tuesday.

The study, carried out by a workplace research group, found that 62 per cent of hybrid employees ranked flexibility as their most important benefit, ahead of salary, pension contributions and extra holiday. Commuting costs and time were the reasons cited most often, followed by the ability to manage childcare.

Managers were more divided. Around half said productivity had improved since hybrid arrangements were introduced, while a third said it was harder to train junior staff and build team relationships remotely. Several large employers have recently asked staff to return for at least three days a week.

"The debate is shifting from whether people work from home to how teams organise the days they spend together," said one of the report's authors. She recommended that companies agree on shared office days, so that employees who make the trip in actually find their colleagues there.

%%% web_monstera_care
%% url
https://greenthumbdaily.net/plants/monstera-deliciosa-care-guide
%% text
Monstera Care Guide: Light, Water and Those Famous Split Leaves

The Swiss cheese plant, Monstera deliciosa, is one of the easiest large houseplants to grow, and with a bit of care it will reward you with huge, glossy leaves full of holes, known as fenestrations.

Light is the key to those holes. In its native rainforests, the plant climbs trees toward the canopy, and mature leaves only split once they get enough light. Place it near a bright window but out of harsh afternoon sun, which can scorch the leaves. A plant kept in a dark corner will stay small and produce solid, heart-shaped leaves.

Water when the top third of the soil is dry, usually once a week in summer and every two or three weeks in winter. Yellow lower leaves and soggy soil are signs of overwatering. Give it a moss pole or a trellis to climb; its aerial roots will grab on and the leaves will grow larger as it climbs. Feed monthly during spring and summer and wipe the leaves occasionally so they can absorb light efficiently.

%%% web_solar_eclipse
%% url
https://skywatchersjournal.org/articles/how-to-watch-a-solar-eclipse-safely
%% text
How to Watch a Solar Eclipse Safely

A solar eclipse happens when the Moon passes between the Earth and the Sun and blocks part or all of the Sun's disc. It is one of the most spectacular sights in nature, but looking at the Sun without proper protection can permanently damage your eyes, even when most of it is covered.

Ordinary sunglasses are not enough, no matter how dark they are. Use eclipse glasses or handheld viewers that meet the ISO 12312-2 international standard, and check them for scratches or holes before use. Never look through a camera, binoculars or a telescope while wearing eclipse glasses, because the concentrated light will burn straight through the filter. Optical equipment needs its own certified solar filter fitted over the front.

A simple and completely safe alternative is a pinhole projector. Punch a small hole in a piece of card, stand with your back to the Sun and let the light fall through the hole onto a second sheet. You will see a small image of the crescent Sun. Even the gaps between leaves on a tree act as pinholes, scattering dozens of tiny crescents on the ground during the partial phases.

%%% web_bread_history
%% url
https://www.foodhistoryquarterly.com/essays/a-short-history-of-bread
%% text
A Short History of Bread

People were making bread long before they built cities. Charred crumbs found at a site in north-eastern Jordan show that hunter-gatherers baked a kind of flatbread from wild cereals and plant roots about 14,000 years ago, thousands of years before farming began.

Leavened bread appears to have become common in ancient Egypt. Egyptian bakers probably discovered that dough left out for a while would collect wild yeasts from the air and rise, producing a lighter loaf. Bread was so central to daily life that workers who built the pyramids were partly paid in bread and beer.

The Romans turned baking into an industry, with public bakeries and a guild of professional bakers, and they distributed free grain to the poor of the capital. In medieval Europe the colour of your bread marked your social class: white wheat bread for the wealthy, dark rye and barley loaves for everyone else.

The biggest change came in the twentieth century, with industrial sliced bread and fast, mechanised methods that cut fermentation time to minutes. In recent decades, the popularity of sourdough and artisan bakeries shows that many people are returning to slower, older ways of making their daily loaf.

%%% web_password_manager
%% url
https://techsimplified.io/security/why-you-need-a-password-manager
%% text
Why You Need a Password Manager

If you use the same password, or small variations of it, on several websites, you are one data breach away from losing all of those accounts. Attackers routinely take leaked email and password pairs and try them on banks, shops and email providers, a technique known as credential stuffing.

A password manager solves the problem by generating and remembering a long, random password for every site. You only need to remember one strong master password, ideally a passphrase of four or five unrelated words. The manager fills in your logins automatically, which also protects you from many phishing pages, because it will not offer your bank password on a look-alike domain.

Most password managers encrypt your vault on your own device before syncing it, so the company cannot read your passwords. Popular options work on phones and computers and many offer a free tier. Whichever you choose, turn on two-factor authentication for the password manager itself and for your most important accounts, such as email, which is often the key to resetting everything else.

%%% web_city_cycling
%% url
https://www.riversidegazette.co.uk/news/local/new-protected-cycle-lanes-open
%% text
New Protected Cycle Lanes Open Along the Riverside

Cyclists in the city centre can now ride from the railway station to the university campus without sharing the road with traffic, after the council opened a 3.2-kilometre stretch of protected cycle lanes on Monday.

The lanes are separated from the carriageway by raised kerbs and planters, and include new signals at four junctions that give cyclists a head start of several seconds before cars get a green light. The project cost £4.1 million, most of which came from a national active travel fund.

Early counts suggest the route is already popular. Sensors recorded more than 1,800 bike trips on the first weekday, almost double the figure for the same road last spring. Some local shop owners had worried that the removal of 40 parking spaces would hurt trade, and the council has promised to review loading arrangements after three months.

A spokesperson for a local cycling campaign said the lanes were "a big step forward", but called for them to be extended to the residential areas south of the river, where many commuters live.

%%% web_coffee_grind
%% url
https://beanandbrewguide.com/brewing/coffee-grind-size-chart
%% text
Getting the Grind Right: A Guide to Coffee Grind Sizes

If your coffee tastes sour, thin or bitter, the problem is often not the beans but the grind. Grind size controls how quickly water extracts flavour from the coffee. Finer grounds have more surface area and extract faster; coarser grounds extract more slowly.

As a rule of thumb, match the grind to the brewing time. Espresso, which brews in about 25 to 30 seconds under pressure, needs a fine grind, a little like table salt or finer. Pour-over methods such as a V60 use a medium-fine grind. A standard drip machine works well with medium, similar to sand. French press coffee steeps for four minutes and needs a coarse grind, like sea salt, which also keeps sludge out of your cup. Cold brew, steeped for 12 hours or more, uses the coarsest setting of all.

Taste is the best guide. Sour and weak coffee means under-extraction, so grind finer. Harsh and bitter coffee means over-extraction, so grind coarser. A burr grinder gives much more even particles than a blade grinder, which makes these adjustments far more reliable.

%%% web_octopus_intelligence
%% url
https://www.oceanlifemagazine.com/features/octopus-intelligence
%% text
The Surprising Intelligence of the Octopus

Octopuses are molluscs, related to snails and clams, yet they are among the most intelligent invertebrates on Earth. In laboratories they have learned to unscrew jar lids, navigate mazes and recognise individual human keepers, sometimes squirting water at the ones they dislike.

Their brains are organised very differently from ours. An octopus has around 500 million neurons, but about two thirds of them are in its arms rather than its central brain. Each arm can taste, touch and make some decisions on its own, which allows the animal to explore crevices with several arms at once.

In the wild, octopuses show remarkable problem solving. Veined octopuses in Indonesia have been filmed carrying coconut shell halves across the sea floor and assembling them into a shelter when threatened, one of the few examples of tool use in invertebrates. Others change colour and skin texture in a fraction of a second to blend into rocks or mimic more dangerous animals.

What makes this intelligence even more puzzling is their short life. Most octopus species live only one or two years, so whatever they know, they must learn quickly and largely on their own.

%%% web_first_aid_burns
%% url
https://www.familyhealthhub.org/first-aid/treating-minor-burns
%% text
First Aid for Minor Burns

Small burns from a hot pan, kettle or iron are among the most common household injuries. Quick and correct first aid reduces pain and helps the skin heal faster.

First, cool the burn under cool or lukewarm running water for 20 minutes. Do not use ice, iced water or butter, which can damage the skin further. Remove rings, watches or tight clothing near the area before it starts to swell, unless they are stuck to the skin.

After cooling, cover the burn loosely with cling film or a clean, non-fluffy dressing. This protects it from infection and eases the pain by keeping air off the skin. Painkillers such as paracetamol or ibuprofen can help. Do not burst any blisters.

Seek medical help if the burn is larger than the palm of the patient's hand, if it is on the face, hands, feet or genitals, if the skin looks white, leathery or charred, or if the injured person is a young child or an older adult. Chemical and electrical burns always need professional assessment, even if they look small.

%%% web_library_renovation
%% url
https://www.northfieldcourier.com/community/central-library-reopens
%% text
Central Library Reopens After Two-Year Renovation

The doors of the Central Library swung open again on Saturday morning, and more than 600 people came through them in the first hour, some of whom had queued since dawn.

The 1930s building has been restored and enlarged at a cost of 18 million. The original reading room, with its curved wooden shelves and tall windows, has been cleaned and rewired, while a new glass wing at the back houses a children's library, study rooms and a small recording studio that residents can book for free.

Head librarian Grace Odell said the aim was to make the library "a living room for the whole town", not only a place to borrow books. The building will now open seven days a week, with late opening until 8 p.m. on Thursdays.

Not everything went smoothly. The project ran eight months late, partly because workers discovered asbestos in the roof space. But visitors on Saturday seemed happy with the result. "I came here every week as a boy," said one retired teacher. "It feels like the same place, just brighter."

%%% web_tiny_habits
%% url
https://mindfulmondays.blog/2023/03/small-habits-big-changes
%% text
Small Habits, Big Changes: Why Starting Tiny Works

Every January I used to write an ambitious list: run five times a week, read a book a week, learn Spanish. By February, most of it had quietly disappeared. What finally worked for me was the opposite approach: making new habits so small they felt almost silly.

Instead of "read more", my goal became "read one page after I brush my teeth at night". Some nights I read one page. Most nights, once the book was open, I read twenty. The key is that the minimum is so easy there is no reason to skip it, and the habit gets anchored to something I already do every day.

Behaviour researchers describe this as lowering the activation energy of a habit. Motivation rises and falls, but a tiny action tied to an existing routine keeps happening even on bad days. Once it is automatic, you can grow it.

A year later, I have read more books than in the previous three years combined. I still have not learned Spanish, but I have just started with five minutes of flashcards while my coffee brews.

%%% web_ev_batteries
%% url
https://autoinsightreview.com/electric/ev-battery-lifespan-explained
%% text
How Long Do Electric Car Batteries Really Last?

One of the most common worries among people considering an electric car is the battery. It is the most expensive part of the vehicle, and everyone has seen a phone battery fade after a couple of years. The good news is that car batteries are built and managed very differently.

Data from large fleets suggests that most modern EV batteries lose only around 1 to 2 per cent of their capacity per year. After eight years, a typical car still has roughly 85 to 90 per cent of its original range. Manufacturers reflect this confidence in their warranties, which usually cover the battery for eight years or 160,000 kilometres, guaranteeing at least 70 per cent capacity.

A sophisticated battery management system keeps the cells within a comfortable temperature range and avoids charging them to extremes. Owners can help by keeping the charge between about 20 and 80 per cent for daily driving, saving full charges for long trips, and not relying on rapid chargers every day.

When a car battery eventually does fall below what a driver needs, it is not necessarily waste. Used packs are increasingly repurposed for home and grid energy storage before their materials are recycled.

%%% web_knitting_beginners
%% url
https://yarnandneedlecorner.com/learn/knitting-for-absolute-beginners
%% text
Knitting for Absolute Beginners: What You Need to Get Started

Knitting has a reputation for being complicated, but every pattern, from a simple scarf to an elaborate jumper, is built from just two stitches: the knit stitch and the purl stitch. Once you have learned them, everything else is a combination.

For your first project, choose a smooth, light-coloured yarn in a medium weight, often labelled "worsted" or "aran". Dark and fuzzy yarns make it hard to see your stitches. Pair it with a set of bamboo or wooden needles around 5 mm; they are a little grippy, so stitches do not slide off as easily as they do on metal.

Start by learning to cast on, then knit every row. This produces a fabric called garter stitch, which is squishy, does not curl and is ideal for a scarf or dishcloth. Do not worry about uneven tension at first. It evens out with practice.

When you make a mistake, and you will, resist the urge to start again from scratch. Learning to count your stitches and to carefully undo a few of them is one of the most valuable skills a new knitter can have.

%%% web_volcano_iceland
%% url
https://www.northerngeoreport.is/volcanoes/reykjanes-eruptions-explained
%% text
Why Iceland's Reykjanes Peninsula Keeps Erupting

After nearly 800 years of quiet, the Reykjanes Peninsula in south-west Iceland has entered a new volcanic era. Since 2021, a series of fissure eruptions has sent curtains of lava fountaining from cracks in the ground, drawing thousands of visitors and forcing the evacuation of the fishing town of Grindavík.

Iceland sits on the Mid-Atlantic Ridge, where the North American and Eurasian plates are pulling apart at about two centimetres a year. Magma rises to fill the gap. On Reykjanes, this activity seems to come in episodes lasting a few centuries, separated by long quiet periods. Geologists believe the current episode could continue for decades.

These eruptions are relatively gentle compared with explosive volcanoes. The lava is runny basalt that flows from long fissures rather than a single crater, and there is little ash. The main risks are lava flows reaching roads and buildings, and volcanic gases that can collect in low-lying areas. Engineers have built earth barriers to divert the flows away from a geothermal power plant and the town, with mixed success.

%%% web_meal_prep
%% url
https://www.budgetkitchenlife.com/meal-prep-sunday-beginners
%% text
Meal Prep Sunday: A Beginner's Plan That Actually Works

I used to spend too much on lunches and takeaway dinners simply because I was too tired to cook on weekdays. Meal prep sounded like something for fitness influencers with fifty matching containers, but a simple version has saved me both money and stress.

The trick is to prepare components, not complete meals. On Sunday afternoon I cook a big batch of a grain, such as rice or quinoa, roast two trays of vegetables, cook one protein like chicken thighs or a pot of lentils, and make one sauce, often a lemon and tahini dressing. It takes about ninety minutes, most of which is oven time.

During the week I combine the components in different ways: a grain bowl on Monday, wraps on Tuesday, fried rice with an egg on Wednesday. Because the flavours change, I do not get bored by Thursday. Cooked food keeps safely in the fridge for three to four days, so I freeze a couple of portions for Friday.

Start small. Even prepping lunches for three days is a big improvement.

%%% web_jwst_images
%% url
https://spacefrontierdigest.com/astronomy/what-jwst-sees
%% text
What Makes the James Webb Space Telescope Different

When the first images from the James Webb Space Telescope were released in 2022, many people assumed it was simply a sharper version of Hubble. In fact, Webb was designed to see a different kind of light.

Webb observes mainly in the infrared, at wavelengths longer than red light. This matters for two reasons. First, infrared light passes through clouds of cosmic dust that block visible light, so Webb can look inside the nurseries where stars and planets form. Second, the light from the most distant galaxies has been stretched by the expansion of the universe into the infrared. To see the first galaxies that formed a few hundred million years after the Big Bang, you need an infrared telescope.

Infrared astronomy requires the instruments to be extremely cold, because warm objects glow in infrared themselves. Webb orbits about 1.5 million kilometres from Earth and hides behind a sunshield the size of a tennis court, keeping its mirror below minus 220 degrees Celsius. Its 6.5-metre gold-coated mirror, made of 18 hexagonal segments, gives it more than six times Hubble's light-collecting area.

%%% web_negotiating_salary
%% url
https://careerladderadvice.com/articles/how-to-negotiate-your-salary
%% text
How to Negotiate Your Salary Without Feeling Awkward

Many people accept the first salary offer they receive because negotiating feels uncomfortable or greedy. Yet employers usually expect some negotiation and often leave room for it. A polite, well-prepared counteroffer rarely leads to an offer being withdrawn.

Preparation is everything. Research the typical pay range for the role in your city and industry using salary surveys, job ads that list pay and conversations with people in similar positions. Decide in advance on the number you would be happy with and the lowest figure you would accept.

When the offer arrives, thank them and express genuine enthusiasm for the role before discussing numbers. Then make a specific request supported by reasons: your experience, a skill they particularly need, or market data. Using a precise figure rather than a round number can make it seem better researched.

If the salary truly cannot move, ask about other things: a signing bonus, extra holiday, a training budget, flexible hours or an earlier salary review. Whatever you agree, ask for the final offer in writing.

%%% web_tide_pools
%% url
https://www.coastalkidsexplore.org/activities/exploring-tide-pools
%% text
Exploring Tide Pools with Children

Rocky shores at low tide are one of the best outdoor classrooms there is. When the sea pulls back, it leaves behind pools of water full of life: anemones, crabs, small fish, sea snails, starfish and seaweeds of every colour.

Check the tide times before you go and plan to arrive about an hour before low tide, so you have plenty of time and are not caught out by the returning water. Wear shoes with good grip, because wet rocks and seaweed are extremely slippery.

Teach children to look closely and touch gently. Many creatures are camouflaged, so the best approach is to crouch down next to a pool and wait quietly for a minute or two until things start to move. If you turn over a rock, put it back exactly as you found it, because animals live underneath. Avoid pulling anemones or limpets off the rocks; they cling tightly and can be injured.

Bring a clear container to observe creatures for a few minutes before returning them to the same pool, and a simple identification guide so that each find becomes a small discovery.

%%% web_inflation_explained
%% url
https://www.plainmoneyguide.com/economy/why-prices-rise
%% text
Why Do Prices Rise? A Plain-English Guide

Anyone who has watched their weekly shopping bill creep upward has felt inflation. But what actually makes prices rise across a whole economy, rather than just for one product?

Think of the economy as a marketplace. If shoppers suddenly have more money to spend but shops have the same amount of goods on their shelves, sellers can raise prices and still sell everything. This often happens after a period of cheap borrowing or government support payments.

Prices also rise when it costs more to make and transport things. A spike in energy prices feeds into almost everything, because factories, farms and lorries all run on energy. Supply chain disruptions, such as blocked shipping routes, have the same effect.

Central banks fight inflation mainly by raising interest rates. Higher rates make borrowing more expensive and saving more attractive, which cools spending. The effect takes a year or more to work through, which is why central bankers try to look ahead rather than react to today's numbers.

%%% web_rust_ownership
%% url
https://devnotes.engineering/rust/ownership-for-python-developers
%% text
Rust Ownership for Python Developers

If you come to Rust from Python, the borrow checker can feel like an overly strict teacher. Code that would run fine in Python refuses to compile. Understanding the idea behind ownership makes the error messages far less mysterious.

In Python, every value lives on the heap and is managed by reference counting and a garbage collector. You can have as many names pointing at a list as you like, and any of them can modify it. Rust has no garbage collector. Instead, every value has exactly one owner, and when the owner goes out of scope the value is freed immediately.

You can lend a value without giving up ownership by creating a reference. The key rule is that at any moment you may have either any number of shared, read-only references or exactly one mutable reference, but never both. This single rule rules out a whole class of bugs, such as modifying a collection while iterating over it, or two threads writing to the same data at once.

A practical tip: when the compiler complains, ask yourself who should own the data and who only needs to look at it. Often the fix is to pass a reference instead of the value, or to clone a small value deliberately.

%%% web_lighthouse_history
%% url
https://maritimeheritagetrust.org/stories/life-of-a-lighthouse-keeper
%% text
The Lonely Life of the Lighthouse Keeper

For more than two centuries, lighthouse keepers kept ships off the rocks with little more than oil lamps, clockwork and an extraordinary sense of duty. Their work was repetitive, physically demanding and often dangerous.

A typical keeper's day revolved around the light. Before dusk the lens had to be cleaned of soot and salt, the wicks trimmed and the oil reservoirs filled. Through the night, keepers took turns on watch, winding the clockwork mechanism that rotated the lens every few hours and making sure the flame never faltered. In fog, they operated the foghorn or rang a bell, sometimes for days without a break.

On remote rock stations, three keepers usually lived together for weeks at a time, with relief boats delayed whenever the sea was rough. Families lived at mainland stations, where children often rowed to school and wives quietly did much of the work without official recognition.

Automation gradually replaced the keepers during the twentieth century. The last keepers in many countries left their towers in the 1990s, and today the lights are monitored remotely from control centres hundreds of kilometres away.

%%% web_dog_training
%% url
https://www.happytailstraining.com/blog/teaching-recall
%% text
Teaching Your Dog a Reliable Recall

A dog that comes back every time you call is safer and gets to enjoy far more freedom off the lead. Recall is also one of the hardest behaviours to perfect, because the world is full of things more interesting than you.

Start indoors, where there are few distractions. Say your recall word once, in a happy voice, and reward your dog generously the moment it reaches you, using something it really loves, such as small pieces of chicken or cheese rather than its usual kibble. Practise in short sessions several times a day.

Gradually increase the difficulty: move to the garden, then a quiet park on a long training line, then places with more distractions. Only call when you are fairly sure your dog will come; every failed recall teaches it that the word is optional.

Never call your dog to you for something it dislikes, such as a bath or the end of a walk, and never punish it for coming back late. From your dog's point of view, it would be punished for returning. Make coming back the best thing that happens all day.

%%% web_tax_deadline
%% url
https://www.householdfinancefacts.com/taxes/self-assessment-tips
%% text
Filing Your Tax Return on Time: Five Tips for the Self-Employed

For freelancers and small business owners, the annual tax return can feel like a mountain of paperwork. A bit of organisation throughout the year makes the final deadline much less stressful.

First, keep business and personal money separate. A dedicated bank account makes it far easier to see your income and expenses at a glance. Second, record expenses as you go. Photograph receipts on your phone or use accounting software so you are not searching through shoeboxes the week before the deadline.

Third, put money aside for tax every time you are paid. Many self-employed people move 25 to 30 per cent of each payment into a separate savings account, so the bill never comes as a shock. Fourth, learn which expenses you can claim. Equipment, software, a share of home office costs and professional training are often allowable, but rules vary by country.

Finally, do not leave it to the last week. Filing early gives you time to fix mistakes and to plan your payments. If your affairs are complicated, an accountant's fee often pays for itself.

%%% web_mediterranean_diet
%% url
https://www.nutritionwiseonline.com/diets/mediterranean-diet-basics
%% text
The Mediterranean Diet: What It Is and Why Doctors Like It

The Mediterranean diet is not a strict plan with rules and points. It describes the traditional way of eating in countries around the Mediterranean Sea, especially Greece and southern Italy, in the middle of the twentieth century, when researchers noticed that people there had low rates of heart disease.

The foundation is plants: vegetables, fruit, whole grains, beans, lentils, nuts and seeds. Olive oil is the main fat, used generously. Fish and seafood are eaten a couple of times a week, while poultry, eggs, cheese and yogurt appear in moderate amounts. Red meat and sweets are occasional foods rather than daily ones.

Large studies have linked this pattern of eating with a lower risk of heart attacks and strokes, type 2 diabetes and some cancers. One well-known trial found that people who followed a Mediterranean diet supplemented with extra olive oil or nuts had fewer cardiovascular events than those on a low-fat diet.

Part of its appeal is that it is flexible and enjoyable. Meals are often shared, unhurried and built around seasonal ingredients, which may matter as much as any single nutrient.

%%% web_chess_openings
%% url
https://www.boardgameminds.com/chess/opening-principles-for-beginners
%% text
Chess Opening Principles Every Beginner Should Know

You do not need to memorise long sequences of opening moves to play a good game of chess. Strong players rely on a few principles, and understanding them will improve your games far more than learning named variations.

Control the centre. The four central squares are the most important on the board, because pieces placed there control more squares and can move quickly to either side. Opening with a central pawn, such as the king's or queen's pawn, is a good start.

Develop your pieces. Bring your knights and bishops off the back row early, ideally before moving the same piece twice. Knights generally belong on squares where they point toward the centre.

Castle early. Castling tucks your king into safety behind a wall of pawns and brings a rook toward the middle of the board. Do not bring your queen out too soon, because your opponent can gain time by chasing it with minor pieces.

Finally, after every move your opponent makes, ask what it threatens. Many beginner games are lost not to deep strategy but to a piece left undefended.

%%% web_composting
%% url
https://www.urbanhomesteadhub.com/garden/composting-in-small-spaces
%% text
Composting in a Small Garden or on a Balcony

You do not need a large garden to turn kitchen scraps into rich compost. With the right system, even a flat with a balcony can recycle vegetable peelings and coffee grounds into food for plants.

For small outdoor spaces, a compact compost bin or tumbler works well. The secret is balancing "greens" and "browns". Greens are moist, nitrogen-rich materials such as fruit and vegetable scraps, coffee grounds and fresh grass clippings. Browns are dry, carbon-rich materials such as cardboard, paper, dry leaves and straw. Aim for roughly two or three parts browns to one part greens by volume. Too many greens makes a slimy, smelly heap; too many browns makes it slow.

If you only have a balcony, consider a wormery. Composting worms live in stacked trays and eat kitchen scraps, producing excellent compost and a liquid fertiliser. Avoid adding meat, dairy, oily food and citrus in large amounts.

Chop scraps into small pieces, keep the contents about as damp as a wrung-out sponge, and turn or mix the heap now and then to let air in.

%%% web_ancient_olympics
%% url
https://www.classicalworldexplained.com/greece/the-ancient-olympic-games
%% text
The Ancient Olympic Games

The first recorded Olympic Games took place at Olympia in western Greece in 776 BC, and they were held every four years for more than a thousand years. They were a religious festival in honour of Zeus as much as a sporting event.

For the first few Games, the only contest was the stadion, a sprint of about 190 metres. Over time the programme grew to include longer races, wrestling, boxing, the pentathlon, chariot racing and the pankration, a brutal combination of boxing and wrestling with very few rules. Athletes competed naked, and only free Greek men could take part. Married women were not allowed to watch.

Winners received a wreath of olive leaves rather than money, but the real rewards came at home, where champions might be given free meals for life, statues and celebrations. A sacred truce allowed athletes and spectators to travel safely to and from Olympia.

The Games were eventually abolished in the late fourth century AD under the Christian emperor Theodosius I. They were revived as the modern Olympics in Athens in 1896.

%%% web_home_insulation
%% url
https://www.energysavingadvice.org/home/cheap-ways-to-insulate
%% text
Cheap Ways to Keep Your Home Warmer This Winter

Heating bills are a major expense for many households, and a surprising amount of heat escapes through small gaps. Before thinking about expensive upgrades, try these low-cost measures.

Draught-proof doors and windows. Self-adhesive foam strips around window frames and brush strips at the bottom of doors are cheap and easy to fit. Do not forget the letterbox, keyholes and gaps around loft hatches. Cover unused fireplaces with a chimney balloon or draught excluder.

Use curtains wisely. Thick, lined curtains closed at dusk make a real difference, but open them during sunny days to let in free heat. Make sure they do not hang over radiators, which pushes warm air behind them and up toward the window.

Fit radiator reflector panels on external walls to bounce heat back into the room, and bleed radiators that feel cold at the top. If your hot water cylinder is uninsulated, a jacket costs little and pays for itself within months.

Finally, check whether you qualify for government or energy company grants for loft and cavity wall insulation, which are among the most effective improvements of all.

%%% web_language_dialects
%% url
https://www.linguisticscuriosities.net/posts/language-or-dialect
%% text
What Is the Difference Between a Language and a Dialect?

It sounds like a simple question, but linguists have no precise rule for deciding when two ways of speaking count as separate languages and when they are dialects of one language.

One obvious test is mutual intelligibility: if speakers understand each other, they speak the same language. In practice this test often fails. Speakers of Danish, Norwegian and Swedish can usually hold a conversation, yet these are considered three languages. Meanwhile, the varieties of Chinese such as Mandarin and Cantonese are often called dialects, although speakers cannot understand each other's speech.

The difference is frequently political and cultural rather than linguistic. National borders, a standard written form, a literature and a sense of identity all push a variety toward being called a language. A famous quip, popularised by the linguist Max Weinreich, says that a language is a dialect with an army and a navy.

Many linguists avoid the problem by talking about "varieties" and describing how closely related they are, rather than forcing them into one category or the other.

%%% web_smartphone_battery
%% url
https://gadgetclinic.tech/phones/make-your-battery-last-longer
%% text
Make Your Phone Battery Last Longer

Smartphone batteries wear out over time, but the way you use and charge your phone makes a real difference to how quickly that happens and how long a single charge lasts.

Heat is the biggest enemy. Avoid leaving your phone in a hot car or in direct sunlight, and take it out of a thick case if it gets warm while charging or gaming. Lithium-ion batteries age fastest when they are hot and fully charged at the same time.

Most modern phones offer an optimised charging setting that learns your routine and holds the battery at 80 per cent overnight, topping it up shortly before you usually wake. Turn it on. There is no need to let the battery run down to zero; frequent shallow top-ups are gentler than deep cycles.

For longer life on a single charge, lower the screen brightness or use automatic brightness, switch to dark mode on phones with OLED screens, and check which apps use the most power in the battery settings. Background location access and constant notifications are common culprits. In poor signal areas, the phone works harder to stay connected, so aeroplane mode can help when you do not need the network.

%%% web_seed_saving
%% url
https://www.allotmentyearbook.co.uk/seed-saving-for-beginners
%% text
Saving Your Own Seeds: Start with Tomatoes and Beans

Saving seeds from your own vegetables is satisfying, free and, over several years, produces plants adapted to your garden. The easiest crops for beginners are tomatoes, beans and peas, because they mostly pollinate themselves and come true from seed.

Always save from open-pollinated or heritage varieties rather than F1 hybrids. Seeds from hybrids grow into plants that are often quite different from the parent.

For beans and peas, simply leave a few pods on the healthiest plants until they turn dry and papery and the seeds rattle inside. Pick them, shell the seeds, and let them dry indoors for another couple of weeks before storing.

Tomato seeds need an extra step. Scoop the seeds and their gel from a fully ripe fruit into a jar with a little water and leave it for two or three days, stirring daily. A layer of mould will form on top; this fermentation removes the germination-inhibiting gel. Rinse the seeds in a sieve, spread them on a plate to dry, and store them in a labelled paper envelope in a cool, dry place. Most will stay viable for four years or more.

%%% web_typography_tips
%% url
https://designbasicsjournal.com/typography/readable-web-text
%% text
Five Typography Rules for More Readable Web Pages

Good typography is mostly invisible. Readers do not notice it; they simply find the text easy to read. Poor typography, on the other hand, makes people leave. A few simple rules cover most websites.

Use a comfortable body size. On modern screens, 16 pixels is a sensible minimum for body text, and many sites now use 18 or more.

Limit line length. Lines of around 50 to 75 characters are easiest to read. Very long lines make it hard for the eye to find the start of the next line.

Give lines room to breathe. A line height of about 1.4 to 1.6 times the font size works for most body text.

Ensure enough contrast. Light grey text on a white background may look elegant in a mock-up, but it is hard to read, especially on phones outdoors. Aim for a contrast ratio of at least 4.5 to 1.

Use a clear hierarchy. Headings, subheadings and body text should differ noticeably in size or weight, so readers can scan the page and find what they are looking for. Two typefaces are usually plenty.

%%% web_running_shoes_review
%% url
https://www.trailandroadreviews.com/shoes/everyday-trainer-review
%% text
Review: A Comfortable Everyday Trainer with One Big Flaw

I have run about 300 kilometres in this shoe over the past two months, mostly easy runs of 8 to 12 kilometres on pavement and some gravel paths. It has quickly become the pair I reach for by default, with one important caveat.

The best thing about it is the cushioning. The midsole foam is soft without feeling mushy, and my legs felt noticeably fresher after longer runs than they do in my previous shoes. The upper is breathable and the heel counter holds the foot securely, so there was no slipping on hills.

The flaw is grip. On wet roads, painted lines and metal drain covers, the outsole is genuinely slippery. I had two near-falls on a rainy morning, and on muddy trails the shallow tread fills up almost immediately. If you live somewhere rainy, this matters.

Durability looks decent so far. The outsole shows some wear at the heel, but the foam has not lost much bounce. At its full price, it is a good but not outstanding buy. On sale, it is an easy recommendation for dry-weather road running.

%%% web_hanami_travel
%% url
https://wanderlustletters.com/japan/cherry-blossom-season-tips
%% text
Planning a Trip for Cherry Blossom Season in Japan

Seeing the cherry blossoms in Japan is on many travellers' lists, and with good reason. For a week or two each spring, parks, riverbanks and temple gardens turn pink and white, and the whole country seems to head outside to picnic under the trees.

Timing is the hardest part. The blossoms open first in the south and move north over several weeks. In Tokyo and Kyoto, peak bloom usually falls in late March or early April, but it can shift by a week or more depending on the weather. Forecasts are published from January onward and updated regularly. If your dates are fixed, plan a route that moves north with the blossom, which improves your chances.

Book accommodation early, because this is one of the busiest travel periods of the year and prices rise sharply. Visit popular spots early in the morning, before the crowds arrive, and explore smaller neighbourhood parks, which are often just as beautiful.

Respect local customs: do not shake branches or pick flowers, take your rubbish home with you, and check whether a park allows alcohol before bringing drinks.

%%% web_microplastics
%% url
https://www.envirosciencetoday.org/research/microplastics-everywhere
%% text
Microplastics Are Everywhere. What Do We Know About Their Effects?

Microplastics are fragments of plastic smaller than five millimetres. Some are manufactured at that size, such as the beads once common in cosmetics, but most come from larger items breaking down: bottles, packaging, car tyres and synthetic clothing, which sheds fibres in the wash.

Scientists have now found microplastics almost everywhere they have looked, from the deep ocean floor to Arctic snow, in drinking water, salt and seafood, and in samples of human blood and lung tissue. A typical person is thought to ingest tens of thousands of particles a year.

What this means for health is still uncertain. Laboratory studies show that high doses can cause inflammation and stress in cells, and that plastics can carry other chemicals into the body. But it is difficult to measure the doses people actually receive, and long-term studies in humans are only beginning.

Researchers agree that reducing plastic pollution at the source is the most effective response. Better waste collection, filters on washing machines and designing products that last longer can all reduce the amount of plastic that fragments into the environment.

%%% web_cookie_recipe
%% url
https://www.sugarandsaltkitchen.com/recipes/brown-butter-chocolate-chip-cookies
%% text
Brown Butter Chocolate Chip Cookies

These cookies have crisp edges, chewy centres and a deep, toffee-like flavour that comes from one extra step: browning the butter. It takes five minutes and makes them taste like they came from a good bakery.

Ingredients: 170 g unsalted butter, 150 g dark brown sugar, 50 g white sugar, 1 egg plus 1 egg yolk, 2 teaspoons vanilla extract, 250 g plain flour, 1 teaspoon bicarbonate of soda, half a teaspoon of salt, 200 g dark chocolate, chopped, and flaky sea salt for the top.

Melt the butter in a light-coloured pan over medium heat and keep cooking, swirling often, until it foams, smells nutty and the solids at the bottom turn golden brown. Pour it into a bowl and let it cool for ten minutes. Whisk in both sugars, then the egg, yolk and vanilla. Fold in the flour, bicarbonate and salt, then the chocolate.

Chill the dough for at least an hour, or overnight for even better flavour. Roll it into balls, bake at 180 °C for 10 to 12 minutes until the edges are golden, and sprinkle with flaky salt while warm.

%%% web_museum_review
%% url
https://citybreakweekender.com/reviews/natural-history-museum-visit
%% text
A Rainy Saturday at the Natural History Museum

When the forecast promised a full day of rain, we abandoned our plans for a coastal walk and took the kids to the natural history museum instead. Five hours later, nobody wanted to leave.

The dinosaur hall is the obvious highlight. The skeletons are displayed at ground level, so children can walk right up to the claws of a huge predator, and a small animated model roars every few minutes, which terrified and delighted our six-year-old in equal measure. The mineral gallery was a surprise hit with our older daughter, who spent half an hour studying glowing rocks under ultraviolet lamps.

The museum is free, though donations are encouraged, and some special exhibitions charge for tickets. Arrive at opening time: by late morning the queue for the main entrance stretched around the building. The side entrance was much quieter.

The café is expensive and crowded, so bring a packed lunch; there is a picnic room in the basement. Our one complaint is that some older galleries are dim and text-heavy, but overall it was a brilliant way to spend a wet weekend.

%%% web_pii_garden_club
%% pii_values
maria.delgado@oakridgegarden.org
(503) 555-0147
tbecker.garden@gmail.com
%% pii_types
email, phone_us
%% url
https://www.oakridgecommunitygarden.org/news/spring-newsletter
%% text
Oakridge Community Garden: Spring Newsletter

Spring has arrived at the garden, and with it the busiest season of the year. Thank you to the thirty volunteers who turned out for the March work day. Between us we spread eight tonnes of wood chip on the paths, repaired the fence along the north side and built two new raised beds for the school group.

Plot allocations for this year have now been sent out. If you have not received yours, or if you would like to join the waiting list, please contact our plot coordinator, Maria Delgado, at maria.delgado@oakridgegarden.org or on (503) 555-0147 between 6 and 8 p.m. on weekdays.

The seed swap returns on the first Saturday of April in the community hall. Bring any spare seeds in labelled envelopes, and take home something new to try. We are particularly short of runner beans and flower seeds for the pollinator border.

Finally, a reminder that hoses must be switched off at the tap after use. Last month a left-on hose flooded two plots and ran up a large water bill. Questions about the watering rota can go to Tom Becker at tbecker.garden@gmail.com.

%%% web_pii_lost_cat
%% pii_values
07700 900461
+44 7700 900872
hannah.price.home@gmail.com
%% pii_types
phone_intl, email
%% url
https://www.neighbourhoodboard.net/lost-and-found/lost-grey-cat-elm-park
%% text
LOST: Grey Tabby Cat, Elm Park Area

Our cat Pepper has been missing since Sunday evening and we are very worried about her. She is a small grey tabby with a white chest and white front paws, about four years old, and she is wearing a purple collar with a bell. She is microchipped and spayed.

Pepper is an indoor-outdoor cat but never usually goes further than the end of our street. She was last seen near the corner of Elm Park Road and Chestnut Avenue. She is shy with strangers and may be hiding in a shed or garage, so we would be very grateful if neighbours could check any outbuildings, especially if they have been closed for a few days.

If you see her, please do not try to catch her, as she may run. Call or text Hannah on 07700 900461 or +44 7700 900872 at any time, day or night, or email hannah.price.home@gmail.com with a photo and the location.

We have put up posters along the main road and informed the local vets and the animal shelter. Thank you so much to everyone who has already shared this post.

%%% web_pii_band_booking
%% pii_values
bookings@thelatecomersband.com
0161 496 0734
+44 161 496 0921
%% pii_types
email, phone_intl
%% url
https://www.thelatecomersband.com/booking
%% text
Book The Latecomers for Your Event

The Latecomers are a five-piece function band based in Manchester, playing soul, funk and pop covers for weddings, corporate parties and private events across the North West. From Motown classics to recent chart hits, we keep the dance floor full from the first song to the last.

A standard evening package includes two 60-minute live sets, a DJ playlist between and after the sets, our own PA and lighting, and a first-dance song learned especially for you. We can also provide an acoustic duo for the ceremony or drinks reception.

We are fully insured, and our equipment is safety tested every year. We need a performance area of about five by three metres and access to two standard power sockets near the stage.

For availability and quotes, contact our manager Ellie Hartmann at bookings@thelatecomersband.com or call 0161 496 0734. For international enquiries, please call +44 161 496 0921. We usually reply within one working day. Popular Saturdays in summer are often booked more than a year in advance, so please get in touch early.

%%% web_pii_tutor_ad
%% pii_values
davidchen.tutoring@yahoo.com
646-555-0193
%% pii_types
email, phone_us
%% url
https://www.localclassifieds.com/services/tutoring/maths-physics-tutor-1183
%% text
Experienced Maths and Physics Tutor Available (GCSE, A-Level, University)

Hello! My name is David Chen and I am a qualified secondary school physics teacher with nine years of classroom experience. I am now offering private tutoring in maths and physics for students from age 14 up to first-year university level.

Lessons are tailored to each student. Some of my students want help with a single topic they find difficult, such as electricity or calculus, while others want structured exam preparation with past papers and revision plans. I focus on building real understanding rather than memorising formulas, because that is what makes students confident in an exam.

I can teach in person in the north of the city, at your home or a local library, or online using a shared digital whiteboard. Sessions are one hour and cost the same whether online or in person. The first session is half price, so we can see if we are a good fit.

To book or ask a question, email me at davidchen.tutoring@yahoo.com or phone 646-555-0193. If I am in a lesson, leave a message and I will call you back the same evening.
"""

# More article bodies, kept separate only to keep the block above manageable.
WEB_ARTICLES_MORE = r"""
%%% web_bees_decline
%% url
https://www.pollinatorwatch.org/articles/why-are-bees-declining
%% text
Why Are Bees in Decline, and What Can Gardeners Do?

Bees pollinate a large share of the crops we eat, from apples and almonds to tomatoes and coffee, as well as countless wild flowers. Over the past few decades, many wild bee species have declined sharply, and beekeepers in several countries have reported unusually high colony losses.

There is no single cause. Scientists point to a combination of pressures. Loss of habitat is probably the most important: meadows, hedgerows and flowering field margins have been replaced by intensive farmland and tidy lawns, leaving bees with fewer flowers and nesting sites. Certain pesticides, especially a group called neonicotinoids, can impair bees' ability to navigate and forage. Parasites such as the varroa mite weaken honeybee colonies, and climate change is shifting the timing of flowering out of step with bee activity.

Gardeners can help more than they might think. Plant a variety of flowers that bloom from early spring to late autumn, including native species. Leave a patch of lawn unmown, allow some bare ground for ground-nesting bees, and avoid using insecticides. Even a window box of herbs like thyme and lavender provides food on a city balcony.

%%% web_public_speaking
%% url
https://www.confidentcommunicator.com/blog/overcoming-fear-of-public-speaking
%% text
Overcoming the Fear of Public Speaking

Surveys regularly rank public speaking among people's most common fears, often above heights or spiders. If your heart races and your mouth goes dry before a presentation, you are in very good company, and the nerves can be managed.

Preparation removes much of the fear. Know your opening lines almost by heart, because the first minute is when anxiety is highest. Structure your talk around three main points and rehearse it out loud several times, ideally in front of a friend or at least a camera. Practising silently in your head is not the same.

Reframe the physical symptoms. A racing heart and a burst of adrenaline are the same sensations as excitement. Some studies suggest that telling yourself "I am excited" works better than trying to calm down.

On the day, arrive early to check the room and the equipment. Slow down, pause between points and look at friendly faces in the audience. Nobody expects perfection; audiences generally want speakers to succeed. Every talk you give makes the next one easier, so look for small, low-stakes opportunities to practise.

%%% web_fermentation_kimchi
%% url
https://www.fermentedfoodsociety.com/recipes/easy-napa-cabbage-kimchi
%% text
Easy Napa Cabbage Kimchi at Home

Kimchi is Korea's famous fermented vegetable dish, and making a simple version at home is easier than most people expect. This recipe makes about one large jar.

Cut one medium napa cabbage into bite-sized pieces and toss them with about 60 g of coarse sea salt. Leave for two hours, turning every half hour, until the cabbage is soft and bendy. Rinse it thoroughly three times and drain well.

Meanwhile, make the paste. Blend or mash four garlic cloves, a thumb of ginger, one tablespoon of sugar, two tablespoons of fish sauce and three to four tablespoons of Korean chilli flakes, called gochugaru, with a little water. Mix the paste with the cabbage, four sliced spring onions and a grated carrot. Wear gloves, as the chilli stains and burns.

Pack the kimchi tightly into a clean jar, pressing down to remove air pockets and leaving a few centimetres of space at the top. Leave it at room temperature for one to two days until it smells sour and bubbles appear, then move it to the fridge. It keeps for weeks and becomes tangier over time.

%%% web_sleep_teenagers
%% url
https://www.parentingresearchnotes.com/teens/why-teenagers-sleep-late
%% text
Why Teenagers Stay Up Late and Struggle in the Morning

Many parents assume teenagers stay up late because of phones or stubbornness. Those factors play a part, but there is also a biological reason. During puberty, the body clock shifts later. The hormone melatonin, which makes us feel sleepy, is released around two hours later in the evening than in younger children.

This means a typical teenager may genuinely not feel tired until 11 p.m. or later, yet school start times still require them to get up early. At the same time, teenagers need around eight to ten hours of sleep. The result is chronic sleep deprivation, which has been linked to poorer concentration, lower mood and a higher risk of accidents.

Some schools that moved their start times later reported better attendance and fewer students falling asleep in class. At home, parents can help by encouraging bright light in the morning, keeping weekend wake-up times within about two hours of school days, and agreeing on a time when screens leave the bedroom. Long lie-ins at weekends feel good but make Monday mornings even harder.

%%% web_aurora_guide
%% url
https://www.arcticadventuresblog.com/guides/seeing-the-northern-lights
%% text
A Practical Guide to Seeing the Northern Lights

The aurora borealis is caused by charged particles from the Sun colliding with gases high in the Earth's atmosphere, making them glow green, and sometimes pink or violet. To see it, you need three things: darkness, clear skies and some solar activity.

Go far enough north. The most reliable viewing areas lie under the auroral oval, a ring around the magnetic pole that passes over northern Norway, Sweden, Finland, Iceland, northern Canada and Alaska. Travel between late September and late March, when nights are long and dark. Around the equinoxes, activity tends to be slightly higher.

Get away from city lights and check the cloud forecast as much as the aurora forecast; a clear sky matters more than a high activity index. Be patient. Displays often come in waves, with quiet periods in between, so plan to stay out for several hours and dress far more warmly than you think necessary.

For photographs, use a tripod, a wide lens at its widest aperture, ISO between 800 and 3200, and exposures of a few seconds. The camera often picks up colours that look faint to the eye.
"""

# Non-English web pages.  Russian and Chinese pages may also get boilerplate lines.
WEB_NON_ENGLISH = r"""
%%% web_zh_hotpot
%% lang
zh
%% url
https://www.meishi-riji.cn/huoguo/sichuan-huoguo-rumen
%% text
四川火锅入门：从锅底到蘸料

说起四川火锅，很多人首先想到的是一锅翻滚的红油和满眼的辣椒。其实，火锅的魅力不只在于辣，更在于麻、香、鲜的层层变化。

传统的牛油锅底是用牛油、郫县豆瓣、干辣椒和花椒慢慢炒制而成的。炒料的火候非常关键，火太大容易糊，火太小香味又出不来。如果不太能吃辣，可以选择鸳鸯锅，一边是红汤，一边是清汤，大家各取所需。

下菜的顺序也有讲究。一般先下肉类，比如毛肚、鸭肠和肥牛，毛肚只需要在锅里“七上八下”十几秒就能捞出，口感最脆。然后再下土豆、藕片、豆腐等需要久煮的食材，最后下青菜和粉条。

蘸料方面，四川本地人最常用的是香油碟：香油加蒜泥、葱花和少许蚝油，既能降温，又能减轻辣味。吃火锅的时候，别忘了准备一杯冰镇的豆奶或者凉茶，解辣效果非常好。

%%% web_zh_hangzhou
%% lang
zh
%% url
https://travel.lvxing-biji.com/hangzhou/xihu-yiri-you
%% text
杭州西湖一日游路线推荐

西湖是杭州最有名的景点，也是很多游客到杭州的第一站。西湖周边景点很多，如果只有一天时间，合理安排路线非常重要。

建议早上七点左右从断桥出发，这个时候游客少，空气清新，可以看到湖面上的晨雾。沿着白堤步行到孤山，途中可以参观浙江省博物馆孤山馆区，了解一些杭州的历史文化。中午可以在湖边的老字号餐馆品尝西湖醋鱼、龙井虾仁和东坡肉。

下午可以坐船游湖，前往三潭印月。小瀛洲岛上的风景非常秀丽，“湖中有岛，岛中有湖”。上岸后沿苏堤向南走，春天的时候两岸桃红柳绿，是西湖最美的季节。

傍晚时分，可以到雷峰塔登高远眺，看夕阳映照在湖面上的景色。晚上如果还有体力，音乐喷泉也值得一看。提醒大家，节假日期间西湖游客非常多，一定要提前规划好交通，尽量乘坐地铁或公交车。

%%% web_zh_tw_tea
%% lang
zh-Hant
%% url
https://www.chayuan-shenghuo.tw/articles/alishan-gaoshan-cha
%% text
阿里山高山茶的魅力

臺灣的高山茶在國際上享有盛名，而阿里山茶更是其中的代表。阿里山茶區大多位於海拔一千公尺以上，終年雲霧繚繞，早晚溫差大，茶樹生長緩慢，因此茶葉質地柔軟，內含物質豐富。

阿里山茶多屬於半發酵的烏龍茶，外型呈半球狀，色澤墨綠。沖泡之後，茶湯呈金黃色，帶有清新的花香與淡淡的奶香，入口滑順，回甘明顯。許多茶友特別喜歡它的「山頭氣」，也就是高山茶獨有的冷冽清香。

沖泡高山茶時，建議使用攝氏九十五度左右的熱水。第一泡可以先溫潤泡，讓球狀的茶葉慢慢舒展，之後每泡約四十五秒至一分鐘，並隨著沖泡次數逐漸延長時間。一份好的高山茶，可以沖泡五到七次，每一泡的風味都略有不同。

購買時，可以留意茶葉的產地標示與製茶日期。存放時應密封並避免陽光直射與潮濕，以保持茶葉的香氣。

%%% web_ru_baikal
%% lang
ru
%% url
https://www.puteshestviya-po-rossii.ru/baikal/zimnij-bajkal
%% text
Зимний Байкал: что нужно знать перед поездкой

Байкал — самое глубокое озеро на планете и одно из самых красивых мест России. Зимой, с конца января до середины марта, его поверхность покрывается толстым прозрачным льдом, и озеро превращается в огромную ледяную равнину.

Главная причина, по которой туристы едут сюда зимой, — знаменитый прозрачный лёд. В безветренную погоду снег сдувает, и сквозь лёд можно увидеть камни на дне на глубине нескольких метров. Вдоль берегов острова Ольхон встречаются ледяные гроты и сосульки причудливой формы.

Морозы здесь серьёзные: температура часто опускается до минус двадцати пяти градусов, а на открытом льду дует сильный ветер. Одевайтесь многослойно, возьмите тёплую обувь и ледоступы, которые надеваются поверх ботинок, чтобы не скользить.

Выходить на лёд самостоятельно, особенно на машине, опасно: на Байкале есть трещины и участки тонкого льда. Лучше воспользоваться услугами местных гидов, которые знают безопасные маршруты. Обязательно попробуйте местную рыбу — омуля, которого подают копчёным или в виде строганины.

%%% web_ru_reading
%% lang
ru
%% url
https://www.knizhnyj-klub.ru/blog/kak-chitat-bolshe
%% text
Как читать больше книг: семь простых советов

Многие жалуются, что у них нет времени на чтение. Однако если посмотреть, сколько минут в день уходит на социальные сети, выясняется, что время всё-таки есть. Вот несколько советов, которые помогут читать больше.

Во-первых, всегда держите книгу под рукой: в сумке, на телефоне или в читалке. Десять минут в очереди или в транспорте за месяц складываются в несколько книг.

Во-вторых, не бойтесь бросать неинтересные книги. Если после пятидесяти страниц книга не увлекает, смело откладывайте её. Жизнь слишком коротка для скучного чтения.

В-третьих, попробуйте аудиокниги. Их удобно слушать во время прогулок, уборки или занятий спортом.

В-четвёртых, читайте перед сном вместо того, чтобы листать ленту новостей. Это ещё и помогает быстрее заснуть.

Наконец, найдите единомышленников: книжный клуб или друзей, с которыми можно обсудить прочитанное. Разговор о книге помогает лучше её запомнить и даёт идеи, что читать дальше.

%%% web_mixed_en_zh
%% lang
en
%% mixed
zh
%% url
https://www.studyabroadtips.net/china/survival-phrases-for-shanghai
%% text
Survival Mandarin for Your First Week in Shanghai

Moving to Shanghai for a semester is exciting, but the first week can be overwhelming if you do not speak any Chinese. You do not need to be fluent, but a handful of phrases will make everyday life much easier.

Start with greetings and politeness. "Hello" is 你好 (nǐ hǎo), and "thank you" is 谢谢 (xièxie). When you want to get someone's attention in a shop or restaurant, say 你好 rather than shouting "waiter". If you did not understand, 请再说一遍 (qǐng zài shuō yí biàn) means "please say it again".

For shopping and eating, learn 多少钱 (duōshao qián), which means "how much is it?", and 这个 (zhège), "this one", which you can combine with pointing. If you cannot eat spicy food, 不要辣 (bú yào là) is essential.

Most daily payments in China happen through mobile apps, so set up a payment app with a foreign card before you arrive if you can. Taxi drivers rarely speak English, so keep your address written in Chinese characters on your phone. Above all, be patient with yourself and do not be afraid to try; people are usually delighted when foreigners make the effort.
"""

# Low-quality pages.
WEB_REPETITIVE_SPAM = r"""
%%% spam_cheap_watches
%% url
http://cheap-replica-watches-best-price.biz/index.php?id=4481
%% repeat
Buy cheap replica watches online best price free shipping!!!
%% times
40
%%% spam_keyword_stuffing
%% url
http://www.best-seo-dentist-near-me-cheap.info/dentist-near-me
%% text
Dentist near me cheap dentist near me best dentist near me open now dentist near me emergency dentist near me. Looking for a dentist near me? Our dentist near me is the best dentist near me because dentist near me cheap dentist near me good dentist near me. Cheap dentist near me, affordable dentist near me, dentist near me no insurance, dentist near me walk in, dentist near me Saturday, dentist near me Sunday, dentist near me 24 hours.
Dentist near me dentist near me dentist near me dentist near me dentist near me dentist near me dentist near me dentist near me dentist near me dentist near me dentist near me dentist near me.
Best dentist near me. Best dentist near me. Best dentist near me. Best dentist near me. Best dentist near me. Best dentist near me. Best dentist near me. Best dentist near me.
Call the dentist near me now for the best dentist near me cheap dentist near me deals dentist near me.
%%% spam_casino
%% url
http://free-casino-bonus-spins.xyz/bonus
%% repeat
FREE SPINS >>> CLAIM YOUR 500% CASINO BONUS NOW <<< NO DEPOSIT NEEDED
%% times
25
%%% spam_loans
%% url
http://payday-loans-instant-approval.club/apply
%% text
Payday loans instant approval. Payday loans instant approval no credit check. Payday loans instant approval online.
Get payday loans instant approval today. Payday loans instant approval fast cash. Payday loans instant approval bad credit OK.
Payday loans instant approval. Payday loans instant approval. Payday loans instant approval. Payday loans instant approval.
Payday loans instant approval. Payday loans instant approval. Payday loans instant approval. Payday loans instant approval.
Payday loans instant approval. Payday loans instant approval. Payday loans instant approval. Payday loans instant approval.
Apply now payday loans instant approval click here payday loans instant approval click here payday loans instant approval click here.
Payday loans instant approval. Payday loans instant approval. Payday loans instant approval. Payday loans instant approval.
"""

WEB_SYMBOL_PAGES = r"""
%%% symbols_bullets
%% url
http://www.deals-portal-listing.com/category/all
%% text
• • • • • • • • • • • • • • • •
★★★★★ ★★★★★ ★★★★★ ★★★★☆
→ → → → → → → → → →
... ... ... ... ... ... ...
• ... • ... • ... • ... • ...
▶ ▶ ▶ ▶ ▶ ▶ ▶ ▶
| | | | | | | | | | | | | |
★ • → ... ★ • → ... ★ • → ...
#### #### #### ####
… … … … … … … … …
%%% symbols_table_residue
%% url
http://forum.oldboards.net/viewtopic.php?t=99120&start=40
%% text
+-----+-----+-----+-----+
|     |     |     |     |
+-----+-----+-----+-----+
|  -  |  -  |  -  |  -  |
+-----+-----+-----+-----+
=========================
>>> >>> >>> >>> >>>
<<< <<< <<< <<< <<<
-- -- -- -- -- -- -- --
:: :: :: :: :: :: :: ::
~~~~~~~~~~~~~~~~~~~~~~~~~
%%% symbols_ellipses
%% url
http://www.myblogspace-page.net/2009/11/untitled-post
%% text
...

......

.........

!!! ??? !!! ???

:-) :-) :-) ;-) ;-)

*** *** *** ***

~~ ~ ~~ ~ ~~

... ... ... ... more ... ... ...

[...] [...] [...]

-------

>>>>>>>>>>
"""

WEB_SHORT_PAGES = r"""
%%% short_404
%% url
https://www.shopfront-example.com/products/item-20931
%% text
404 Not Found. The page you requested could not be found. Return to homepage.
%%% short_login
%% url
https://members.fitnessclubportal.com/account
%% text
Please log in to continue.

Username
Password
Forgot password?
%%% short_coming_soon
%% url
https://www.newbrandlaunching.co/
%% text
Coming soon! Our new website is under construction. Check back later.
%%% short_teaser
%% url
https://www.dailyheadlinesnow.com/world/2023/story-88213
%% text
Storm closes mountain roads

Heavy snow has closed two mountain passes. Subscribe to read the full story.
"""

# Scraped boilerplate.  The generator samples these per page and records which lines it
# inserted, so line-level filters can be scored against the manifest.
SPAM_LINES: list[str] = [
    "Buy cheap replica watches online — CLICK HERE!!!",
    "Best payday loans, no credit check, instant approval >>> click here",
    "Cheap flights to anywhere!!! Book now and save 90%",
    "Hot singles in your area are waiting — click here",
    "Congratulations! You have won a FREE iPhone. Claim your prize now",
    "Lose 10 kg in 10 days with this one weird trick doctors hate",
    "Cheap Viagra Cialis online pharmacy no prescription needed",
    "FREE casino bonus 500% >> claim now <<",
    "Top 10 | Best Deals | Coupons | Free Shipping | Gift Cards",
    "Work from home and earn $5000 a week!!! click here to find out how",
    "Make money fast >> Crypto signals >> 1000% returns guaranteed",
    "SEO services | Backlinks | Buy followers | Cheap traffic",
]

NAV_LINES: list[str] = [
    "Home | About | Contact",
    "Skip to content",
    "Log in / Sign up",
    "Menu",
    "Search",
    "Home > Blog > Articles",
    "Home | News | Sport | Weather | Contact us",
    "Subscribe to our newsletter",
    "Toggle navigation",
]

FOOTER_LINES: list[str] = [
    "Share on Facebook Twitter",
    "Share this: Facebook | Twitter | Pinterest | Email",
    "Posted in Uncategorized | Leave a comment",
    "Back to top",
    "© 2023 All rights reserved.",
    "Tags: tips, guide, news, lifestyle",
    "Was this article helpful? Yes / No",
    "Print this page",
]

POLICY_LINES: list[str] = [
    "This website uses cookies to ensure you get the best experience on our website. Learn more",
    "We use cookies. By continuing to browse the site you are agreeing to our use of cookies. Accept",
    "Privacy Policy | Terms of Service | Cookie Settings",
    "Please enable JavaScript to view this page.",
    "JavaScript is disabled in your browser. Please enable it for the best experience.",
    "Accept all cookies",
]

LOREM_LINES: list[str] = [
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
]

CODE_LINES: list[str] = [
    ".header { display: flex; margin: 0 auto; }",
    "function gtag(){dataLayer.push(arguments);}",
    '{"@context": "https://schema.org", "@type": "Article"}',
    "window.__INITIAL_STATE__ = {};",
    "@media (max-width: 600px) { .nav { display: none; } }",
    "var _gaq = _gaq || []; _gaq.push(['_trackPageview']);",
]

RELATED_HEADLINES: list[str] = [
    "Celebrity chef opens third restaurant in Miami",
    "10 gadgets you need this summer",
    "Local council approves new parking fees",
    "You won't believe what this dog did next",
    "Stock markets close higher after volatile week",
    "The 7 best beaches you have never heard of",
    "Actor reveals secret to staying young",
    "Why everyone is talking about this new diet",
    "Transfer window: five deals that could still happen",
    "Weather warning issued for the weekend",
]

# Near-duplicate web pages: (original key, edits on the article body).  Edit kinds as in
# NEAR_DUP_EDITS ("sub", "ins", "del"); the copy also gets different boilerplate.
WEB_NEAR_DUPLICATE_EDITS: list[tuple[str, list[tuple[str, ...]]]] = [
    (
        "web_cast_iron",
        [("sub", "costs less than most fancy cookware", "is cheaper than most fancy cookware")],
    ),
    (
        "web_remote_work_study",
        [
            (
                "ins",
                "published on Tuesday.",
                "The findings echo several similar studies from last year.",
            )
        ],
    ),
    (
        "web_solar_eclipse",
        [
            (
                "del",
                " Even the gaps between leaves on a tree act as pinholes, scattering dozens of tiny crescents on the ground during the partial phases.",
            )
        ],
    ),
    (
        "web_password_manager",
        [
            (
                "sub",
                "ideally a passphrase of four or five unrelated words",
                "preferably a passphrase made of five random words",
            )
        ],
    ),
    (
        "web_city_cycling",
        [("sub", "on Monday", "earlier this week"), ("sub", "almost double", "nearly twice")],
    ),
    (
        "web_octopus_intelligence",
        [
            (
                "ins",
                "sometimes squirting water at the ones they dislike.",
                "One famous octopus repeatedly short-circuited a lamp in its aquarium.",
            )
        ],
    ),
    (
        "web_ev_batteries",
        [
            (
                "del",
                " Manufacturers reflect this confidence in their warranties, which usually cover the battery for eight years or 160,000 kilometres, guaranteeing at least 70 per cent capacity.",
            )
        ],
    ),
    (
        "web_ancient_olympics",
        [("sub", "about 190 metres", "roughly 192 metres"), ("sub", "brutal", "violent")],
    ),
]

# Articles copied verbatim to another URL (exact duplicates of the whole page text).
WEB_EXACT_DUPLICATE_OF: list[str] = [
    "web_coffee_grind",
    "web_first_aid_burns",
    "web_tiny_habits",
    "web_chess_openings",
    "web_home_insulation",
    "web_cookie_recipe",
]

# ---------------------------------------------------------------------------------------------
# dolly.csv (instruction, context, response, category)
# ---------------------------------------------------------------------------------------------
DOLLY = r"""
%%% d_kiwi
%% category
open_qa
%% instruction
Why can't kiwi birds fly?
%% context
%% response
Kiwi evolved in New Zealand, where for millions of years there were no land mammals to hunt them. With no predators on the ground, flying was not worth the energy, and over time their wings shrank to tiny stubs hidden under their feathers. They became ground foragers instead, using their long beaks and excellent sense of smell to find worms and insects.
%%% d_marie_curie
%% category
closed_qa
%% instruction
How many Nobel Prizes did Marie Curie win, and in which fields?
%% context
Marie Curie was a Polish-born physicist and chemist who conducted pioneering research on radioactivity. She shared the 1903 Nobel Prize in Physics with Pierre Curie and Henri Becquerel, and she won the 1911 Nobel Prize in Chemistry for her discovery of the elements polonium and radium. She was the first woman to win a Nobel Prize and remains the only person to win Nobel Prizes in two different scientific fields.
%% response
She won two Nobel Prizes: the 1903 Nobel Prize in Physics, shared with Pierre Curie and Henri Becquerel, and the 1911 Nobel Prize in Chemistry.
%%% d_instruments
%% category
classification
%% instruction
Identify which instrument is string or percussion: Cello, Marimba, Harp, Snare drum, Sitar, Timpani
%% context
%% response
String: Cello, Harp, Sitar
Percussion: Marimba, Snare drum, Timpani
%%% d_extract_mountains
%% category
information_extraction
%% instruction
From the passage, list the mountains and their heights.
%% context
The Alps contain several famous peaks. Mont Blanc, on the border between France and Italy, rises to 4,806 metres. The Matterhorn, with its distinctive pyramid shape, reaches 4,478 metres, while the Eiger in Switzerland stands at 3,967 metres and is known for its notorious north face.
%% response
- Mont Blanc: 4,806 metres
- Matterhorn: 4,478 metres
- Eiger: 3,967 metres
%%% d_summary_coral
%% category
summarization
%% instruction
Summarize what the passage says about coral bleaching.
%% context
Corals get most of their food and their colour from tiny algae that live inside their tissues. When the water becomes too warm for several weeks, the relationship breaks down and the corals expel the algae, turning white. This is known as bleaching. Bleached corals are not dead, but they are starving, and if high temperatures persist they may die. Reefs can recover over years if conditions return to normal, but repeated marine heatwaves give them less and less time to do so.
%% response
Coral bleaching happens when prolonged warm water causes corals to expel the algae that feed and colour them. Bleached corals can recover if temperatures return to normal, but frequent heatwaves leave them too little time and many die.
%%% d_brainstorm_rainy
%% category
brainstorming
%% instruction
Give me some ideas for things to do with kids on a rainy day.
%% context
%% response
- Build a blanket fort and read books inside it with a torch
- Bake and decorate biscuits
- Have an indoor treasure hunt with written clues
- Put on a puppet show with socks
- Do a simple science experiment, like making a baking soda volcano
- Make a cardboard box city for toy cars
- Have a dance party with everyone choosing a song
%%% d_general_compost
%% category
general_qa
%% instruction
Is it better to rent or buy a car?
%% context
%% response
It depends on how you use the car and your finances. Buying usually costs less in the long run if you keep the car for many years, because once the loan is paid off you only pay for running costs and you own an asset. Leasing or renting gives you lower monthly payments, a newer car and predictable costs, but you never own it, and mileage limits and wear charges can be expensive. If you drive a lot and keep cars for a long time, buying tends to win; if you want a new car every few years and drive moderate distances, leasing can make sense.
%%% d_creative_sea
%% category
creative_writing
%% instruction
Write a short poem about an old fishing boat.
%% context
%% response
Her paint is peeling, blue to grey,
she rocks where once she rode the spray;
the nets are folded, ropes are slack,
the gulls no longer call her back.

But when the tide comes whispering in,
she lifts a little, creaks within,
and dreams of dawn and silver light
and every catch she hauled at night.
%%% d_open_saturn
%% category
open_qa
%% instruction
What are Saturn's rings made of?
%% context
%% response
Saturn's rings are made mostly of chunks of water ice, with a small amount of rock and dust. The pieces range in size from tiny grains to boulders several metres across. Although the rings are about 280,000 kilometres wide, they are extremely thin, in most places only about ten metres thick.
%%% d_closed_everest
%% category
closed_qa
%% instruction
Who were the first people confirmed to reach the summit of Mount Everest?
%% context
On 29 May 1953, Edmund Hillary, a beekeeper from New Zealand, and Tenzing Norgay, a Sherpa mountaineer from Nepal, became the first climbers confirmed to have reached the summit of Mount Everest. They were part of a British expedition led by John Hunt.
%% response
Edmund Hillary and Tenzing Norgay, on 29 May 1953, as members of a British expedition led by John Hunt.
%%% d_class_languages
%% category
classification
%% instruction
Classify each of these as a programming language or a natural language: Python, Swahili, Haskell, Tagalog, Rust, Basque.
%% context
%% response
Programming languages: Python, Haskell, Rust
Natural languages: Swahili, Tagalog, Basque
%%% d_extract_recipe_times
%% category
information_extraction
%% instruction
Extract the oven temperature and the baking time from this recipe.
%% context
Preheat the oven to 200 °C. Roll out the pastry, fill it with the spiced apple mixture and brush the top with beaten egg. Bake for 35 to 40 minutes, until the pastry is deep golden, then leave to cool for at least 20 minutes before slicing.
%% response
Oven temperature: 200 °C
Baking time: 35 to 40 minutes
%%% d_summary_meeting
%% category
summarization
%% instruction
Summarize these meeting notes in two sentences.
%% context
The team reviewed the timeline for the website relaunch. Design is two weeks behind because of late feedback from the marketing department. Engineering can absorb one week of the delay by working on the back end in parallel. The group agreed to move the launch from the first to the second week of June and to hold a short daily check-in until then. Priya will send the updated schedule to stakeholders.
%% response
Because design is running two weeks late, the website relaunch will move from the first to the second week of June, with engineering absorbing part of the delay. The team will hold daily check-ins and Priya will share the new schedule with stakeholders.
%%% d_brainstorm_names
%% category
brainstorming
%% instruction
Suggest names for a podcast about personal finance for young adults.
%% context
%% response
Money in Your Twenties, Broke to Balanced, The First Paycheck, Compound Curious, Budget Bites, Rent, Save, Repeat, The Starter Fund
%%% d_general_sleep
%% category
general_qa
%% instruction
Why do we yawn?
%% context
%% response
Scientists are still not completely sure. One leading theory is that yawning helps cool the brain: the deep breath and the stretching of the jaw increase blood flow and bring in cooler air. Yawning also seems to help us shift between states, such as waking up or becoming drowsy. It is famously contagious, which may be linked to social bonding, since people are more likely to catch yawns from friends and family than from strangers.
%%% d_creative_opening
%% category
creative_writing
%% instruction
Write the opening paragraph of a mystery story set on a night train.
%% context
%% response
The night train to Vienna had been running for three hours when the conductor found the compartment door locked from the inside. He knocked twice, then a third time, harder. Behind the frosted glass a reading lamp was still burning, and on the floor, just visible beneath the door, lay a single black glove. By the time the train slowed for the border, every passenger in carriage seven would have a reason to lie.
%%% d_open_lightning
%% category
open_qa
%% instruction
Why do we see lightning before we hear thunder?
%% context
%% response
Because light travels much faster than sound. Light from the flash reaches you almost instantly, while sound travels at only about 343 metres per second. Counting the seconds between the flash and the thunder and dividing by three gives a rough distance to the strike in kilometres.
%%% d_closed_panama
%% category
closed_qa
%% instruction
When did the Panama Canal open, and what does it connect?
%% context
The Panama Canal is an 82-kilometre artificial waterway in Panama that connects the Atlantic Ocean, via the Caribbean Sea, with the Pacific Ocean. After a failed French attempt in the 1880s, the United States completed the canal, which opened on 15 August 1914. Ships pass through a system of locks that lift them 26 metres to Gatun Lake and lower them again on the other side.
%% response
It opened on 15 August 1914 and connects the Atlantic Ocean, through the Caribbean Sea, with the Pacific Ocean.
%%% d_class_sentiment
%% category
classification
%% instruction
Label each sentence as positive, negative or neutral.
1. The delivery arrived a day early.
2. The hotel room smelled of smoke.
3. The meeting is at three o'clock.
%% context
%% response
1. Positive
2. Negative
3. Neutral
%%% d_extract_people
%% category
information_extraction
%% instruction
Who founded the company and in what year, according to the text?
%% context
The company began in a garage in Portland in 1998, when two former school friends, Elena Ruiz and Marcus Hale, started repairing second-hand bicycles and selling them to students. Today it operates twelve shops across the Pacific Northwest.
%% response
Elena Ruiz and Marcus Hale founded the company in 1998.
%%% d_summary_history
%% category
summarization
%% instruction
Give a one-sentence summary of the paragraph.
%% context
The Silk Road was not a single road but a network of trade routes linking China with Central Asia, the Middle East and Europe from around the second century BC. Merchants carried silk, spices, paper and porcelain westward, and glass, wool and precious metals eastward, while religions, technologies and diseases also travelled along the same paths.
%% response
The Silk Road was a network of trade routes between China and the West that for centuries carried goods as well as ideas, religions, technologies and diseases.
%%% d_brainstorm_team
%% category
brainstorming
%% instruction
What are some low-cost ways to build team morale at work?
%% context
%% response
Celebrate small wins in team meetings, start a weekly shout-out channel where people thank each other, organise a monthly potluck lunch, give people a say in how projects are run, offer flexible hours where possible, run a book or podcast club, and make sure managers say thank you specifically and often.
%%% d_general_bread
%% category
general_qa
%% instruction
Why does bread go stale?
%% context
%% response
Mostly because of a process called starch retrogradation. When bread bakes, the starch absorbs water and becomes soft and gel-like. As the bread cools and sits, the starch molecules slowly recrystallise and push water out, making the crumb firm and dry, even if the loaf is wrapped. That is why bread stales faster in the fridge, where the cold speeds up recrystallisation, and why briefly warming stale bread in the oven can temporarily soften it again.
%%% d_creative_haiku
%% category
creative_writing
%% instruction
Write a haiku about a city at dawn.
%% context
%% response
Streetlights blink and fade,
the first bus sighs at the stop,
pigeons claim the square.
%%% d_open_vitamin_d
%% category
open_qa
%% instruction
How does the body get vitamin D?
%% context
%% response
The main source is sunlight. When ultraviolet B rays hit the skin, they convert a form of cholesterol into vitamin D, which the liver and kidneys then activate. Smaller amounts come from food, such as oily fish, egg yolks and fortified milk or cereals. In winter at higher latitudes, the sun is too weak for the skin to make much, so many health services recommend a supplement during those months.
%%% d_class_animals_diet
%% category
classification
%% instruction
Classify these animals as herbivores, carnivores or omnivores: cow, lion, bear, rabbit, shark, pig
%% context
%% response
Herbivores: cow, rabbit
Carnivores: lion, shark
Omnivores: bear, pig
%%% d_closed_amazon
%% category
closed_qa
%% instruction
Which countries does the Amazon River flow through?
%% context
The Amazon River rises in the Andes mountains of Peru and flows eastward across South America. For a short stretch it forms part of the border region with Colombia before crossing Brazil and emptying into the Atlantic Ocean. It carries more water than any other river in the world.
%% response
According to the passage, it flows through Peru and Brazil, and briefly along the Colombian border region.
"""

# Dolly rows duplicated later in the same file, and the malformed row (written raw).
DOLLY_EXACT_DUPLICATE_OF: list[str] = ["d_kiwi", "d_class_languages"]
DOLLY_MALFORMED_ROW = "What is the tallest animal?,The giraffe is the tallest land animal,open_qa,extra field,another extra field\n"

# Hand-written text that accompanies the HumanEval-derived records.
HUMANEVAL_SOLUTION_ONLY_INPUT = "separate_paren_groups(paren_string) takes a string made of several balanced groups of parentheses that are not nested inside each other, ignores spaces, and returns each group as a separate string in a list."
HUMANEVAL_REVIEW_ANSWER = "Your solution is correct. It sorts the values at even indices, then interleaves them with the untouched odd-index values, and it handles lists of odd length by appending the last even value at the end. A more compact alternative is to copy the list and assign `result[::2] = sorted(l[::2])`."
HUMANEVAL_HALF_PROMPT_ANSWER = """    beats = []
    for token in music_string.split():
        if token == "o":
            beats.append(4)
        elif token == "o|":
            beats.append(2)
        elif token == ".|":
            beats.append(1)
    return beats"""
